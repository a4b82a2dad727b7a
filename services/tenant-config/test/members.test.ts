import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import request from 'supertest';
import { idTokenFor } from '@leadflow/local-aws';
import { claimsOf } from '@leadflow/testing';
import { MemberRepository } from '../src/members/member.repository';
import { bearer, etagOf, startHarness, type Harness } from './harness';

describe('members', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('alpha', { admin: { email: 'first-admin@alpha.test' } });
    admin = await h.token('alpha', 'admin');
  });
  afterAll(() => h.close());

  const pool = () => h.stack.resources.userPoolId;

  it('when a tenant is created with an admin, then that admin is its first member', async () => {
    const res = await request(h.app).get('/v1/members').set(bearer(admin));
    // The harness makes the caller a member too.
    const others = res.body.items.filter((m: { email: string }) => m.email !== 'admin@alpha.test');
    expect(others).toEqual([
      expect.objectContaining({ email: 'first-admin@alpha.test', role: 'admin' }),
    ]);
  });

  it('when a member is invited, then the user exists in Cognito with the tenant and the role group, and can get a token', async () => {
    const res = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'new-agent@alpha.test', role: 'agent' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'new-agent@alpha.test', role: 'agent', version: 1 });
    const user = await h.aws.cognito.send(
      new AdminGetUserCommand({ UserPoolId: pool(), Username: 'new-agent@alpha.test' }),
    );
    expect(user.UserAttributes).toEqual(
      expect.arrayContaining([{ Name: 'custom:tenant_id', Value: 'alpha' }]),
    );
    const groups = await h.aws.cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: pool(), Username: 'new-agent@alpha.test' }),
    );
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['agent']);
    // The invitee sets a password (the e-mail flow) and signs in.
    await h.aws.cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool(),
        Username: 'new-agent@alpha.test',
        Password: 'Invited-1-password!',
        Permanent: true,
      }),
    );
    const token = await idTokenFor(h.stack.pool, 'new-agent@alpha.test', 'Invited-1-password!');
    expect(claimsOf(token)).toMatchObject({
      'custom:tenant_id': 'alpha',
      'cognito:groups': ['agent'],
      sub: res.body.id,
    });
    expect((await request(h.app).get('/v1/tenant').set(bearer(token))).status).toBe(200);
  });

  it('when the e-mail already has an account, then 409', async () => {
    const res = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'new-agent@alpha.test', role: 'viewer' });
    expect(res.status).toBe(409);
  });

  it('when a removal could not delete the user from the pool, then the e-mail can still be invited again', async () => {
    const email = 'leftover@alpha.test';
    const invited = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email, role: 'agent' })
      .expect(201);
    const send = h.aws.cognito.send.bind(h.aws.cognito);
    const failingDelete = jest.spyOn(h.aws.cognito, 'send').mockImplementation((async (
      command: unknown,
    ) => {
      if (command instanceof AdminDeleteUserCommand)
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkingError' });
      return send(command as never);
    }) as typeof h.aws.cognito.send);
    try {
      await request(h.app).delete(`/v1/members/${invited.body.id}`).set(bearer(admin)).expect(204);
    } finally {
      failingDelete.mockRestore();
    }
    expect(
      await h.aws.cognito.send(new AdminGetUserCommand({ UserPoolId: pool(), Username: email })),
    ).toMatchObject({ Enabled: false });

    const again = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email, role: 'viewer' });
    expect(again.status).toBe(201);
    expect(
      await h.aws.cognito.send(new AdminGetUserCommand({ UserPoolId: pool(), Username: email })),
    ).toMatchObject({ Enabled: true });
  });

  it('when a role changes, then the Cognito group follows', async () => {
    const invited = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'promoted@alpha.test', role: 'viewer' });
    const res = await request(h.app)
      .patch(`/v1/members/${invited.body.id}`)
      .set(bearer(admin))
      .set('If-Match', etagOf(invited))
      .send({ role: 'manager' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'manager', version: 2 });
    const groups = await h.aws.cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: pool(), Username: 'promoted@alpha.test' }),
    );
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['manager']);
  });

  it('when two role changes update the groups in the other order, then the groups still end as the stored role', async () => {
    const invited = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'contested@alpha.test', role: 'viewer' });
    const change = (role: string, etag: string) =>
      request(h.app)
        .patch(`/v1/members/${invited.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ role });
    const commit = MemberRepository.prototype.changeRole;
    jest.spyOn(MemberRepository.prototype, 'changeRole').mockImplementationOnce(async function (
      this: MemberRepository,
      ...args
    ) {
      const changed = await commit.apply(this, args);
      // A second change lands, groups and all, before the first one updates the groups.
      await change('agent', `"${changed.version}"`).expect(200);
      return changed;
    });
    expect((await change('manager', etagOf(invited))).status).toBe(200);

    const stored = await request(h.app).get(`/v1/members/${invited.body.id}`).set(bearer(admin));
    expect(stored.body.role).toBe('agent');
    const groups = await h.aws.cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: pool(), Username: 'contested@alpha.test' }),
    );
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['agent']);
  });

  it('when the user pool fails during a demotion, then repeating the same request removes the admin group', async () => {
    const invited = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'demoted@alpha.test', role: 'admin' });
    const demote = (app: typeof h.app) =>
      request(app)
        .patch(`/v1/members/${invited.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(invited))
        .send({ role: 'viewer' });
    const groups = async () =>
      (
        await h.aws.cognito.send(
          new AdminListGroupsForUserCommand({ UserPoolId: pool(), Username: 'demoted@alpha.test' }),
        )
      ).Groups?.map((g) => g.GroupName);

    expect((await demote(h.appWithUnreachable('cognito'))).status).toBe(503);
    const stored = await request(h.app).get(`/v1/members/${invited.body.id}`).set(bearer(admin));
    expect(stored.body.role).toBe('viewer');
    expect(await groups()).toEqual(['admin']);

    const retried = await demote(h.app);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ role: 'viewer', version: 2 });
    expect(await groups()).toEqual(['viewer']);
  });

  it('when the last admin would be removed or demoted, then 409; with a second admin, it works', async () => {
    const members = (await request(h.app).get('/v1/members').set(bearer(admin))).body
      .items as Array<{ id: string; email: string; version: number }>;
    const first = members.find((m) => m.email === 'first-admin@alpha.test')!;
    expect((await request(h.app).delete(`/v1/members/${first.id}`).set(bearer(admin))).status).toBe(
      409,
    );
    // Refused before the user pool is touched: a failure there could leave the only admin disabled.
    const unreachablePool = h.appWithUnreachable('cognito');
    expect(
      (await request(unreachablePool).delete(`/v1/members/${first.id}`).set(bearer(admin))).status,
    ).toBe(409);
    expect(
      await h.aws.cognito.send(
        new AdminGetUserCommand({ UserPoolId: pool(), Username: 'first-admin@alpha.test' }),
      ),
    ).toMatchObject({ Enabled: true });
    expect(
      (
        await request(h.app)
          .patch(`/v1/members/${first.id}`)
          .set(bearer(admin))
          .set('If-Match', `"${first.version}"`)
          .send({ role: 'agent' })
      ).status,
    ).toBe(409);
    await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'second-admin@alpha.test', role: 'admin' })
      .expect(201);
    expect((await request(h.app).delete(`/v1/members/${first.id}`).set(bearer(admin))).status).toBe(
      204,
    );
    await expect(
      h.aws.cognito.send(
        new AdminGetUserCommand({ UserPoolId: pool(), Username: 'first-admin@alpha.test' }),
      ),
    ).rejects.toMatchObject({ name: 'UserNotFoundException' });
  });

  it('when another tenant touches this tenant’s member, then 404', async () => {
    const invited = await request(h.app)
      .post('/v1/members')
      .set(bearer(admin))
      .send({ email: 'mine@alpha.test', role: 'viewer' });
    await h.createTenant('other');
    const other = await h.token('other', 'admin');
    expect(
      (await request(h.app).get(`/v1/members/${invited.body.id}`).set(bearer(other))).status,
    ).toBe(404);
    expect(
      (await request(h.app).delete(`/v1/members/${invited.body.id}`).set(bearer(other))).status,
    ).toBe(404);
    expect(
      (
        await request(h.app)
          .patch(`/v1/members/${invited.body.id}`)
          .set(bearer(other))
          .set('If-Match', '"1"')
          .send({ role: 'admin' })
      ).status,
    ).toBe(404);
  });

  it.each([
    ['an unknown role', { email: 'x@alpha.test', role: 'owner' }, 'body.role'],
    ['the platform role', { email: 'x@alpha.test', role: 'platform-admin' }, 'body.role'],
    ['an e-mail that is not one', { email: 'x', role: 'agent' }, 'body.email'],
  ])('when the invite has %s, then 400', async (_case, body, field) => {
    const res = await request(h.app).post('/v1/members').set(bearer(admin)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
