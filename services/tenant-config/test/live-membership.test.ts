import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import request from 'supertest';
import { idTokenFor } from '@leadflow/local-aws';
import { bearer, etagOf, startHarness, type Harness } from './harness';

const PASSWORD = 'Signed-in-1-password!';

describe('operations that check the member list', () => {
  let h: Harness;
  let boss: string;
  let invites = 0;

  /** The invitee sets a password (the e-mail flow) and signs in. */
  async function signIn(email: string): Promise<string> {
    await h.aws.cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: h.stack.resources.userPoolId,
        Username: email,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    return idTokenFor(h.stack.pool, email, PASSWORD);
  }

  const invite = (role: string) =>
    request(h.app)
      .post('/v1/members')
      .set(bearer(boss))
      .send({ email: `${role}-${++invites}@gamma.test`, role })
      .expect(201);

  const bossConnection = () =>
    request(h.app)
      .post('/v1/crm-connections')
      .set(bearer(boss))
      .send({ type: 'pipedrive', name: 'P', credentials: { apiToken: 'pipedrive-token-boss' } })
      .expect(201);

  const secretOf = async (connectionId: string) =>
    JSON.parse(
      (
        await h.aws.secrets.send(
          new GetSecretValueCommand({
            SecretId: `${h.stack.env.SECRETS_PREFIX}gamma/crm/${connectionId}`,
          }),
        )
      ).SecretString!,
    );

  /** The status each operation that checks the member list answers the holder of `token`. */
  async function statusesFor(token: string) {
    const as = (req: request.Test) => req.set(bearer(token));
    const [connection, member] = [await bossConnection(), await invite('viewer')];
    const statuses = {
      createApiKey: (await as(request(h.app).post('/v1/api-keys')).send({ name: 'K' })).status,
      inviteMember: (
        await as(request(h.app).post('/v1/members')).send({
          email: `by-${++invites}@gamma.test`,
          role: 'admin',
        })
      ).status,
      changeMemberRole: (
        await as(request(h.app).patch(`/v1/members/${member.body.id}`))
          .set('If-Match', etagOf(member))
          .send({ role: 'agent' })
      ).status,
      removeMember: (await as(request(h.app).delete(`/v1/members/${member.body.id}`))).status,
      createCrmConnection: (
        await as(request(h.app).post('/v1/crm-connections')).send({
          type: 'webhook',
          name: 'Exfiltrate',
          credentials: { url: 'https://hooks.evil.test/leads', signingSecret: '0123456789abcdef' },
        })
      ).status,
      updateCrmConnection: (
        await as(request(h.app).patch(`/v1/crm-connections/${connection.body.id}`))
          .set('If-Match', etagOf(connection))
          .send({ credentials: { apiToken: 'pipedrive-token-holder' } })
      ).status,
    };
    return { statuses, secret: await secretOf(connection.body.id) };
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('gamma', { admin: { email: 'boss@gamma.test' } });
    boss = await signIn('boss@gamma.test');
  });
  afterAll(() => h.close());

  it('when an admin is still a member, then those operations work', async () => {
    const admin = await invite('admin');
    const { statuses, secret } = await statusesFor(await signIn(admin.body.email));
    expect(statuses).toEqual({
      createApiKey: 201,
      inviteMember: 201,
      changeMemberRole: 200,
      removeMember: 204,
      createCrmConnection: 201,
      updateCrmConnection: 200,
    });
    expect(secret).toEqual({ apiToken: 'pipedrive-token-holder' });
  });

  it.each([
    [
      'demoted to viewer',
      (admin: request.Response) =>
        request(h.app)
          .patch(`/v1/members/${admin.body.id}`)
          .set(bearer(boss))
          .set('If-Match', etagOf(admin))
          .send({ role: 'viewer' })
          .expect(200),
    ],
    [
      'removed',
      (admin: request.Response) =>
        request(h.app).delete(`/v1/members/${admin.body.id}`).set(bearer(boss)).expect(204),
    ],
  ])(
    'when an admin is %s, then their unexpired admin token is refused there at once',
    async (_case, takeAway) => {
      const admin = await invite('admin');
      const token = await signIn(admin.body.email);
      await takeAway(admin);

      const { statuses, secret } = await statusesFor(token);
      expect(statuses).toEqual({
        createApiKey: 403,
        inviteMember: 403,
        changeMemberRole: 403,
        removeMember: 403,
        createCrmConnection: 403,
        updateCrmConnection: 403,
      });
      expect(secret).toEqual({ apiToken: 'pipedrive-token-boss' });
    },
  );
});
