import request from 'supertest';
import { operations } from '../src/openapi';
import { bearer, startHarness, type Harness, type Role } from './harness';

type Caller = Role | 'platform-admin';
const ROLES: Caller[] = ['platform-admin', 'admin', 'manager', 'agent', 'viewer'];
const READERS: Caller[] = ['admin', 'manager', 'agent', 'viewer'];
const ADMIN: Caller[] = ['admin'];

interface Call {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: object;
  ifMatch?: string;
}

/** Who may call what, written from the design, not from the code. */
const MATRIX: Record<
  string,
  { allowed: Caller[]; call: (h: Harness, fixtures: Fixtures) => Promise<Call> }
> = {
  createTenant: {
    allowed: ['platform-admin'],
    call: async () => ({
      method: 'post',
      path: '/v1/tenants',
      body: {
        name: 'N',
        slug: `t-${Math.random().toString(36).slice(2, 10)}`,
        defaultCountry: 'DE',
        timezone: 'UTC',
      },
    }),
  },
  getTenant: { allowed: READERS, call: async () => ({ method: 'get', path: '/v1/tenant' }) },
  updateTenant: {
    allowed: ADMIN,
    call: async (_h, f) => ({
      method: 'patch',
      path: '/v1/tenant',
      body: { name: 'Renamed' },
      ifMatch: await f.etag('/v1/tenant'),
    }),
  },
  createLogoUpload: {
    allowed: ADMIN,
    call: async () => ({
      method: 'post',
      path: '/v1/tenant/branding/logo',
      body: { contentType: 'image/png', contentLength: 10 },
    }),
  },
  listForms: { allowed: READERS, call: async () => ({ method: 'get', path: '/v1/forms' }) },
  createForm: {
    allowed: ADMIN,
    call: async () => ({
      method: 'post',
      path: '/v1/forms',
      body: { name: 'F', fields: [{ key: 'email' }] },
    }),
  },
  getForm: {
    allowed: READERS,
    call: async (_h, f) => ({ method: 'get', path: `/v1/forms/${(await f.form()).id}` }),
  },
  updateForm: {
    allowed: ADMIN,
    call: async (_h, f) => {
      const form = await f.form();
      return {
        method: 'patch',
        path: `/v1/forms/${form.id}`,
        body: { name: 'G' },
        ifMatch: await f.etag(`/v1/forms/${form.id}`),
      };
    },
  },
  deleteForm: {
    allowed: ADMIN,
    call: async (_h, f) => ({ method: 'delete', path: `/v1/forms/${(await f.form()).id}` }),
  },
  publishForm: {
    allowed: ADMIN,
    call: async (_h, f) => ({ method: 'post', path: `/v1/forms/${(await f.form()).id}/publish` }),
  },
  unpublishForm: {
    allowed: ADMIN,
    call: async (_h, f) => ({ method: 'post', path: `/v1/forms/${(await f.form()).id}/unpublish` }),
  },
  getPublicFormConfig: {
    allowed: [...ROLES],
    call: async (_h, f) => ({
      method: 'get',
      path: `/v1/public/forms/${(await f.publishedForm()).formKey}`,
    }),
  },
  listApiKeys: { allowed: READERS, call: async () => ({ method: 'get', path: '/v1/api-keys' }) },
  createApiKey: {
    allowed: ADMIN,
    call: async () => ({ method: 'post', path: '/v1/api-keys', body: { name: 'K' } }),
  },
  revokeApiKey: {
    allowed: ADMIN,
    call: async (_h, f) => ({ method: 'delete', path: `/v1/api-keys/${await f.apiKey()}` }),
  },
  listCrmConnections: {
    allowed: READERS,
    call: async () => ({ method: 'get', path: '/v1/crm-connections' }),
  },
  createCrmConnection: {
    allowed: ADMIN,
    call: async () => ({
      method: 'post',
      path: '/v1/crm-connections',
      body: { type: 'pipedrive', name: 'P', credentials: { apiToken: 'token-123456' } },
    }),
  },
  getCrmConnection: {
    allowed: READERS,
    call: async (_h, f) => ({ method: 'get', path: `/v1/crm-connections/${await f.connection()}` }),
  },
  updateCrmConnection: {
    allowed: ADMIN,
    call: async (_h, f) => {
      const id = await f.connection();
      return {
        method: 'patch',
        path: `/v1/crm-connections/${id}`,
        body: { enabled: false },
        ifMatch: await f.etag(`/v1/crm-connections/${id}`),
      };
    },
  },
  deleteCrmConnection: {
    allowed: ADMIN,
    call: async (_h, f) => ({
      method: 'delete',
      path: `/v1/crm-connections/${await f.connection()}`,
    }),
  },
  listMembers: { allowed: READERS, call: async () => ({ method: 'get', path: '/v1/members' }) },
  inviteMember: {
    allowed: ADMIN,
    call: async () => ({
      method: 'post',
      path: '/v1/members',
      body: { email: `m-${Math.random().toString(36).slice(2, 10)}@rbac.test`, role: 'viewer' },
    }),
  },
  getMember: {
    allowed: READERS,
    call: async (_h, f) => ({ method: 'get', path: `/v1/members/${(await f.member()).id}` }),
  },
  changeMemberRole: {
    allowed: ADMIN,
    call: async (_h, f) => {
      const member = await f.member();
      return {
        method: 'patch',
        path: `/v1/members/${member.id}`,
        body: { role: 'agent' },
        ifMatch: `"${member.version}"`,
      };
    },
  },
  removeMember: {
    allowed: ADMIN,
    call: async (_h, f) => ({ method: 'delete', path: `/v1/members/${(await f.member()).id}` }),
  },
};

interface Fixtures {
  etag(path: string): Promise<string>;
  form(): Promise<{ id: string; formKey: string }>;
  publishedForm(): Promise<{ id: string; formKey: string }>;
  apiKey(): Promise<string>;
  connection(): Promise<string>;
  member(): Promise<{ id: string; version: number }>;
}

/** Fresh objects made by the tenant admin, so every call meets an object it may act on. */
function fixtures(h: Harness, admin: string): Fixtures {
  const as = (req: request.Test) => req.set(bearer(admin));
  return {
    etag: async (path) => (await as(request(h.app).get(path))).headers.etag as string,
    form: async () =>
      (await as(request(h.app).post('/v1/forms')).send({ name: 'F', fields: [{ key: 'email' }] }))
        .body,
    publishedForm: async () => {
      const form = (
        await as(request(h.app).post('/v1/forms')).send({ name: 'F', fields: [{ key: 'email' }] })
      ).body;
      await as(request(h.app).post(`/v1/forms/${form.id}/publish`));
      return form;
    },
    apiKey: async () => (await as(request(h.app).post('/v1/api-keys')).send({ name: 'K' })).body.id,
    connection: async () =>
      (
        await as(request(h.app).post('/v1/crm-connections')).send({
          type: 'pipedrive',
          name: 'P',
          credentials: { apiToken: 'token-123456' },
        })
      ).body.id,
    member: async () =>
      (
        await as(request(h.app).post('/v1/members')).send({
          email: `f-${Math.random().toString(36).slice(2, 10)}@rbac.test`,
          role: 'viewer',
        })
      ).body,
  };
}

describe('RBAC: every role against every route', () => {
  let h: Harness;
  let f: Fixtures;
  const tokens: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('rbac');
    for (const role of ROLES) tokens[role] = await h.token('rbac', role);
    f = fixtures(h, tokens.admin!);
  });
  afterAll(() => h.close());

  it('when the matrix is written, then it covers every operation of the service', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(operations.map((o) => o.operationId).sort());
  });

  const cases = Object.entries(MATRIX).flatMap(([operationId, entry]) =>
    ROLES.map((role) => [operationId, role, entry.allowed.includes(role)] as const),
  );

  it.each(cases)(
    'when %s is called by %s, then allowed is %s',
    async (operationId, role, allowed) => {
      const call = await MATRIX[operationId]!.call(h, f);
      let req = request(h.app)[call.method](call.path).set(bearer(tokens[role]!));
      if (call.ifMatch) req = req.set('If-Match', call.ifMatch);
      const res = call.body ? await req.send(call.body) : await req;
      const outcome =
        res.status >= 200 && res.status < 300
          ? 'allowed'
          : res.status === 403
            ? 'forbidden'
            : `${res.status} ${JSON.stringify(res.body)}`;
      expect(outcome).toBe(allowed ? 'allowed' : 'forbidden');
    },
  );
});
