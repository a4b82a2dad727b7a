import request from 'supertest';
import { operations } from '../src/openapi';
import { bearer, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

type Caller = 'platform-admin' | 'admin' | 'manager' | 'agent' | 'viewer';
const CALLERS: Caller[] = ['platform-admin', 'admin', 'manager', 'agent', 'viewer'];
const READERS: Caller[] = ['admin', 'manager', 'agent', 'viewer'];
const WORKERS: Caller[] = ['admin', 'manager', 'agent'];
const MANAGERS: Caller[] = ['admin', 'manager'];
const ADMIN: Caller[] = ['admin'];

interface Call {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: object;
  ifMatch?: string;
}

/** Who may call what, written from the design (leads are unassigned here, so agents may work them). */
const MATRIX: Record<
  string,
  { allowed: Caller[]; call: (lead: () => Promise<string>) => Promise<Call> }
> = {
  listLeads: { allowed: READERS, call: async () => ({ method: 'get', path: '/v1/leads' }) },
  createLead: {
    allowed: WORKERS,
    call: async () => ({ method: 'post', path: '/v1/leads', body: { fields: { firstName: 'R' } } }),
  },
  exportLeads: {
    allowed: MANAGERS,
    call: async () => ({ method: 'get', path: '/v1/leads/export.csv' }),
  },
  getLead: {
    allowed: READERS,
    call: async (lead) => ({ method: 'get', path: `/v1/leads/${await lead()}` }),
  },
  updateLead: {
    allowed: WORKERS,
    call: async (lead) => ({
      method: 'patch',
      path: `/v1/leads/${await lead()}`,
      body: { status: 'contacted' },
      ifMatch: '"1"',
    }),
  },
  deleteLead: {
    allowed: ADMIN,
    call: async (lead) => ({ method: 'delete', path: `/v1/leads/${await lead()}` }),
  },
  restoreLead: {
    allowed: ADMIN,
    call: async (lead) => ({ method: 'post', path: `/v1/leads/${await lead()}/restore` }),
  },
  eraseLead: {
    allowed: ADMIN,
    call: async (lead) => ({ method: 'post', path: `/v1/leads/${await lead()}/erasure` }),
  },
  assignLead: {
    allowed: MANAGERS,
    call: async (lead) => ({
      method: 'post',
      path: `/v1/leads/${await lead()}/assign`,
      body: { ownerId: null },
    }),
  },
  resyncLead: {
    allowed: ADMIN,
    call: async (lead) => ({ method: 'post', path: `/v1/leads/${await lead()}/resync` }),
  },
  listLeadNotes: {
    allowed: READERS,
    call: async (lead) => ({ method: 'get', path: `/v1/leads/${await lead()}/notes` }),
  },
  addLeadNote: {
    allowed: WORKERS,
    call: async (lead) => ({
      method: 'post',
      path: `/v1/leads/${await lead()}/notes`,
      body: { body: 'n' },
    }),
  },
  listLeadActivities: {
    allowed: READERS,
    call: async (lead) => ({ method: 'get', path: `/v1/leads/${await lead()}/activities` }),
  },
};

describe('RBAC and tenant isolation: every role against every route', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;
  let other: TestTenant;
  const tokens: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    h = await startLeadsHarness();
    tenant = await h.createTenant('rbac');
    other = await h.createTenant('elsewhere');
    tokens.admin = tenant.admin.token;
    for (const role of ['manager', 'agent', 'viewer'] as const)
      tokens[role] = (await tenant.member(role)).token;
    tokens['platform-admin'] = await h.stack.tokenFor({
      email: 'platform@rbac.test',
      roles: ['platform-admin'],
    });
  });
  afterAll(() => h.close());

  const newLead = (token: string) => async () =>
    (
      await request(h.leads.app)
        .post('/v1/leads')
        .set(bearer(token))
        .send({ fields: { firstName: 'R' } })
    ).body.id as string;

  async function call(call: Call, token: string) {
    let req = request(h.leads.app)[call.method](call.path).set(bearer(token));
    if (call.ifMatch) req = req.set('If-Match', call.ifMatch);
    return call.body ? req.send(call.body) : req;
  }

  it('when the matrix is written, then it covers every operation of the service', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(operations.map((o) => o.operationId).sort());
  });

  const cases = Object.entries(MATRIX).flatMap(([operationId, entry]) =>
    CALLERS.map((role) => [operationId, role, entry.allowed.includes(role)] as const),
  );

  it.each(cases)(
    'when %s is called by %s, then allowed is %s',
    async (operationId, role, allowed) => {
      const res = await call(
        await MATRIX[operationId]!.call(newLead(tenant.admin.token)),
        tokens[role]!,
      );
      const outcome =
        res.status >= 200 && res.status < 300
          ? 'allowed'
          : res.status === 403
            ? 'forbidden'
            : `${res.status} ${JSON.stringify(res.body)}`;
      expect(outcome).toBe(allowed ? 'allowed' : 'forbidden');
    },
  );

  const perLead = Object.entries(MATRIX).filter(
    ([id]) => !['listLeads', 'createLead', 'exportLeads'].includes(id),
  );

  it.each(perLead.map(([id]) => id))(
    'when %s names a lead of another tenant, then 404 as if it did not exist',
    async (operationId) => {
      const res = await call(
        await MATRIX[operationId]!.call(newLead(other.admin.token)),
        tenant.admin.token,
      );
      expect(res.status).toBe(404);
    },
  );
});
