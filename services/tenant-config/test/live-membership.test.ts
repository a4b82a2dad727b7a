import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import request from 'supertest';
import { idTokenFor } from '@leadflow/local-aws';
import { bearer, etagOf, startHarness, type Harness } from './harness';

const PASSWORD = 'Signed-in-1-password!';

describe('every call of the tenant configuration API checks the member list', () => {
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

  const bossForm = () =>
    request(h.app)
      .post('/v1/forms')
      .set(bearer(boss))
      .send({ name: 'Contact', fields: [{ key: 'email', required: true }] })
      .expect(201);

  const bossPublishedForm = async () => {
    const form = await bossForm();
    await request(h.app).post(`/v1/forms/${form.body.id}/publish`).set(bearer(boss)).expect(200);
    return form;
  };

  const bossApiKey = () =>
    request(h.app).post('/v1/api-keys').set(bearer(boss)).send({ name: 'Boss' }).expect(201);

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

  /** What the boss made for one round of `statusesFor`, and what became of it. */
  async function bossResources() {
    return {
      connection: await bossConnection(),
      doomedConnection: await bossConnection(),
      member: await invite('viewer'),
      form: await bossForm(),
      doomedForm: await bossForm(),
      draft: await bossForm(),
      published: await bossPublishedForm(),
      apiKey: await bossApiKey(),
      tenant: await request(h.app).get('/v1/tenant').set(bearer(boss)).expect(200),
    };
  }

  /** The status each change of the tenant's configuration answers the holder of `token`. */
  async function statusesFor(token: string) {
    const as = (req: request.Test) => req.set(bearer(token));
    const made = await bossResources();
    const statuses = {
      createApiKey: (await as(request(h.app).post('/v1/api-keys')).send({ name: 'K' })).status,
      revokeApiKey: (await as(request(h.app).delete(`/v1/api-keys/${made.apiKey.body.id}`))).status,
      inviteMember: (
        await as(request(h.app).post('/v1/members')).send({
          email: `by-${++invites}@gamma.test`,
          role: 'admin',
        })
      ).status,
      changeMemberRole: (
        await as(request(h.app).patch(`/v1/members/${made.member.body.id}`))
          .set('If-Match', etagOf(made.member))
          .send({ role: 'agent' })
      ).status,
      removeMember: (await as(request(h.app).delete(`/v1/members/${made.member.body.id}`))).status,
      createCrmConnection: (
        await as(request(h.app).post('/v1/crm-connections')).send({
          type: 'webhook',
          name: 'Exfiltrate',
          credentials: { url: 'https://hooks.evil.test/leads', signingSecret: '0123456789abcdef' },
        })
      ).status,
      updateCrmConnection: (
        await as(request(h.app).patch(`/v1/crm-connections/${made.connection.body.id}`))
          .set('If-Match', etagOf(made.connection))
          .send({ credentials: { apiToken: 'pipedrive-token-holder' } })
      ).status,
      deleteCrmConnection: (
        await as(request(h.app).delete(`/v1/crm-connections/${made.doomedConnection.body.id}`))
      ).status,
      updateTenant: (
        await as(request(h.app).patch('/v1/tenant'))
          .set('If-Match', etagOf(made.tenant))
          .send({ name: 'Taken over' })
      ).status,
      createLogoUpload: (
        await as(request(h.app).post('/v1/tenant/branding/logo')).send({
          contentType: 'image/png',
          contentLength: 1024,
        })
      ).status,
      createForm: (
        await as(request(h.app).post('/v1/forms')).send({ name: 'F', fields: [{ key: 'email' }] })
      ).status,
      updateForm: (
        await as(request(h.app).patch(`/v1/forms/${made.form.body.id}`))
          .set('If-Match', etagOf(made.form))
          .send({ name: 'Renamed' })
      ).status,
      deleteForm: (await as(request(h.app).delete(`/v1/forms/${made.doomedForm.body.id}`))).status,
      publishForm: (await as(request(h.app).post(`/v1/forms/${made.draft.body.id}/publish`)))
        .status,
      unpublishForm: (
        await as(request(h.app).post(`/v1/forms/${made.published.body.id}/unpublish`))
      ).status,
    };
    return { statuses, made, secret: await secretOf(made.connection.body.id) };
  }

  /** Whether each of the boss's things is still as the boss left it. */
  async function untouched(made: Awaited<ReturnType<typeof bossResources>>) {
    const get = (path: string) => request(h.app).get(path).set(bearer(boss));
    const keys = await get('/v1/api-keys?limit=100');
    const key = keys.body.items.find((k: { id: string }) => k.id === made.apiKey.body.id);
    return {
      apiKey: key.revokedAt === undefined,
      member: (await get(`/v1/members/${made.member.body.id}`)).body.role === 'viewer',
      connection:
        (await get(`/v1/crm-connections/${made.doomedConnection.body.id}`)).status === 200,
      tenant: etagOf(await get('/v1/tenant')) === etagOf(made.tenant),
      form: etagOf(await get(`/v1/forms/${made.form.body.id}`)) === etagOf(made.form),
      doomedForm: (await get(`/v1/forms/${made.doomedForm.body.id}`)).status === 200,
      draft: (await get(`/v1/forms/${made.draft.body.id}`)).body.status === 'draft',
      published: (await get(`/v1/forms/${made.published.body.id}`)).body.status === 'published',
    };
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('gamma', { admin: { email: 'boss@gamma.test' } });
    boss = await signIn('boss@gamma.test');
  });
  afterAll(() => h.close());

  it('when an admin is still a member, then every change works', async () => {
    const admin = await invite('admin');
    const { statuses, secret } = await statusesFor(await signIn(admin.body.email));
    expect(statuses).toEqual({
      createApiKey: 201,
      revokeApiKey: 204,
      inviteMember: 201,
      changeMemberRole: 200,
      removeMember: 204,
      createCrmConnection: 201,
      updateCrmConnection: 200,
      deleteCrmConnection: 204,
      updateTenant: 200,
      createLogoUpload: 201,
      createForm: 201,
      updateForm: 200,
      deleteForm: 204,
      publishForm: 200,
      unpublishForm: 200,
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
    'when an admin is %s, then their unexpired admin token is refused every change at once',
    async (_case, takeAway) => {
      const admin = await invite('admin');
      const token = await signIn(admin.body.email);
      await takeAway(admin);

      const { statuses, made, secret } = await statusesFor(token);
      expect(new Set(Object.values(statuses))).toEqual(new Set([403]));
      expect(Object.keys(statuses)).toHaveLength(15);
      expect(secret).toEqual({ apiToken: 'pipedrive-token-boss' });
      expect(Object.values(await untouched(made))).not.toContain(false);
    },
  );

  const READS = ['/v1/tenant', '/v1/forms', '/v1/api-keys', '/v1/crm-connections', '/v1/members'];

  it('when a member is removed, then their unexpired token reads nothing of the tenant’s configuration', async () => {
    const viewer = await invite('viewer');
    const token = await signIn(viewer.body.email);
    const statusesOfReads = async () =>
      Promise.all(
        READS.map(async (path) => (await request(h.app).get(path).set(bearer(token))).status),
      );
    expect(await statusesOfReads()).toEqual(READS.map(() => 200));

    await request(h.app).delete(`/v1/members/${viewer.body.id}`).set(bearer(boss)).expect(204);

    expect(await statusesOfReads()).toEqual(READS.map(() => 403));
    const refused = await request(h.app).get(`/v1/forms`).set(bearer(token));
    expect(refused.body.detail).toBe('You are no longer a member of this tenant');
  });

  it('when a viewer is made admin, then the token they already have may change the configuration at once', async () => {
    const viewer = await invite('viewer');
    const token = await signIn(viewer.body.email);
    const createKey = () =>
      request(h.app).post('/v1/api-keys').set(bearer(token)).send({ name: 'Promoted' });
    expect((await createKey()).status).toBe(403);

    await request(h.app)
      .patch(`/v1/members/${viewer.body.id}`)
      .set(bearer(boss))
      .set('If-Match', etagOf(viewer))
      .send({ role: 'admin' })
      .expect(200);

    expect((await createKey()).status).toBe(201);
  });
});
