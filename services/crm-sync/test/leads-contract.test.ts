import request from 'supertest';
import { createLogger, loadConfig } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import { buildApp as buildLeads, type LeadsApp } from '../../leads/src/app';
import { LeadsConfigSchema } from '../../leads/src/config';
import { bearer, startCrmSyncHarness, type ConnectionRef, type CrmSyncHarness } from './harness';

/**
 * The contract with the leads service, through its own API: a lead entered there reaches the
 * CRM through its outbox and the bus, and GET /v1/leads/{id} (which validates its answers
 * against the OpenAPI document here) shows the status crm-sync wrote; resync pushes it again.
 */
describe('Sync status through the leads API', () => {
  let h: CrmSyncHarness;
  let leads: LeadsApp;
  let hubspot: ConnectionRef;
  let admin: string;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    admin = await h.createTenant('contract');
    hubspot = await h.connect('contract', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: 'pat-na1-contract-hubspot-000001' },
    });
    leads = buildLeads({
      config: loadConfig(LeadsConfigSchema, {
        ...h.stack.env,
        TENANT_CACHE_MS: '0',
        OUTBOX_POLL_MS: '200',
      }),
      logger: createLogger({ service: 'leads', level: 'silent' }),
      aws: h.aws,
      validateResponses: true,
    });
    leads.relay.start();
  });
  afterAll(async () => {
    await leads.relay.stop();
    await leads.publisher.flush();
    await h.close();
  });

  const syncOf = (leadId: string, accept: (sync: Array<Record<string, unknown>>) => boolean) =>
    eventually(
      async () => {
        const res = await request(leads.app).get(`/v1/leads/${leadId}`).set(bearer(admin));
        expect(res.status).toBe(200);
        const sync = res.body.sync as Array<Record<string, unknown>>;
        return accept(sync) ? sync : undefined;
      },
      20_000,
      200,
    );

  it('when a lead is entered in the leads API, then GET /v1/leads/{id} shows it synced with the HubSpot id; resync and erasure reach HubSpot too', async () => {
    const created = await request(leads.app)
      .post('/v1/leads')
      .set(bearer(admin))
      .send({
        fields: { email: 'contract@contract.example.com', firstName: 'Con', lastName: 'Tract' },
      });
    expect(created.status).toBe(201);
    const leadId = created.body.id as string;

    const sync = await syncOf(leadId, (s) => s[0]?.state === 'synced');
    const contact = [...h.fake.state.hubspotContacts.values()].find(
      (c) => c.properties.email === 'contract@contract.example.com',
    );
    expect(contact?.properties).toMatchObject({ firstname: 'Con', lastname: 'Tract' });
    expect(sync).toEqual([
      expect.objectContaining({
        connectionId: hubspot.id,
        crmType: 'hubspot',
        state: 'synced',
        externalId: contact!.id,
        leadVersion: 1,
      }),
    ]);

    const resync = await request(leads.app).post(`/v1/leads/${leadId}/resync`).set(bearer(admin));
    expect(resync.status).toBe(202);
    await syncOf(leadId, (s) => s[0]?.leadVersion === 2 && s[0]?.state === 'synced');
    expect(contact!.writes).toBe(2);

    const erased = await request(leads.app).post(`/v1/leads/${leadId}/erasure`).set(bearer(admin));
    expect(erased.status).toBe(200);
    // Pending while crm-sync is at it: its claim of the version shows before its answer.
    const gone = await syncOf(leadId, (s) => s[0]?.leadVersion === 3 && s[0]?.state !== 'pending');
    expect(gone[0]).toMatchObject({ state: 'synced' });
    expect(gone[0]).not.toHaveProperty('externalId');
    expect(h.fake.state.hubspotContacts.has(contact!.id)).toBe(false);
  });
});
