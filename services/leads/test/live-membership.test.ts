import request from 'supertest';
import { bearer, etagOf, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

/**
 * A token's roles are those of the moment it was issued, for up to an hour; the leads API asks
 * the member list instead (cached for TENANT_CACHE_MS, 0 here), so that a member removed or
 * demoted in tenant-config stops reading the tenant's leads before the token expires.
 */
describe('Leads API: the member list, not the token, says who may do what', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await startLeadsHarness();
    tenant = await h.createTenant('livemember');
  });
  afterAll(() => h.close());

  async function memberChange(method: 'patch' | 'delete', memberId: string, body?: object) {
    const path = `/v1/members/${memberId}`;
    const current = await request(h.tenantConfig).get(path).set(bearer(tenant.admin.token));
    const change = request(h.tenantConfig)[method](path).set(bearer(tenant.admin.token));
    await change
      .set('If-Match', etagOf(current))
      .send(body)
      .expect(method === 'patch' ? 200 : 204);
  }

  it('when a member is removed, then their token that has not expired reads no lead', async () => {
    const manager = await tenant.member('manager');
    await request(h.leads.app).get('/v1/leads').set(bearer(manager.token)).expect(200);

    await memberChange('delete', manager.id);

    const refused = await request(h.leads.app).get('/v1/leads').set(bearer(manager.token));
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toBe('You are no longer a member of this tenant');
    await request(h.leads.app).get('/v1/leads/export.csv').set(bearer(manager.token)).expect(403);
  });

  it('when a manager is made an agent, then their token that has not expired has the agent’s rights only', async () => {
    const manager = await tenant.member('manager');
    await request(h.leads.app).get('/v1/leads/export.csv').set(bearer(manager.token)).expect(200);

    await memberChange('patch', manager.id, { role: 'agent' });

    await request(h.leads.app).get('/v1/leads/export.csv').set(bearer(manager.token)).expect(403);
    // What an agent may do still works.
    await request(h.leads.app).get('/v1/leads').set(bearer(manager.token)).expect(200);
  });

  it('when an agent is made a manager, then the new role applies before a new token', async () => {
    const agent = await tenant.member('agent');
    await request(h.leads.app).get('/v1/leads/export.csv').set(bearer(agent.token)).expect(403);

    await memberChange('patch', agent.id, { role: 'manager' });

    await request(h.leads.app).get('/v1/leads/export.csv').set(bearer(agent.token)).expect(200);
  });
});
