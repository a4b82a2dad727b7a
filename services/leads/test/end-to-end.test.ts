/**
 * The whole path through local AWS, every service as it runs in production: a landing page's
 * submission to ingestion → EventBridge → lead-intake → the leads intake worker → the lead in
 * GET /v1/leads → its outbox → EventBridge → crm-sync → the (fake) HubSpot → the sync status
 * back on the lead.
 */
import request from 'supertest';
import { createLogger, loadConfig } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import { startCrmSyncService, startFakeCrm, type FakeCrm } from '../../crm-sync/test/harness';
import {
  bearer,
  startHarness,
  type Harness,
  type PublishedForm,
} from '../../ingestion/test/harness';
import { buildApp as buildLeads, type LeadsApp } from '../src/app';
import { LeadsConfigSchema } from '../src/config';

interface Lead {
  id: string;
  version: number;
  fields: Record<string, unknown>;
  custom: Record<string, unknown>;
  sync: Array<Record<string, unknown>>;
}

describe('end to end: a form submission reaches the leads API and the CRM', () => {
  let h: Harness;
  let leads: LeadsApp;
  let crmSync: { stop(): Promise<void> };
  let fake: FakeCrm;
  let admin: string;
  let form: PublishedForm;

  beforeAll(async () => {
    h = await startHarness();
    fake = await startFakeCrm();
    fake.configure({ hubspotProperties: ['budget'] });
    leads = buildLeads({
      config: loadConfig(LeadsConfigSchema, {
        ...h.stack.env,
        TENANT_CACHE_MS: '0',
        INTAKE_WAIT_SECONDS: '1',
        OUTBOX_POLL_MS: '200',
      }),
      logger: createLogger({ service: 'leads', level: 'silent' }),
      aws: h.aws,
      validateResponses: true,
    });
    leads.intake.start();
    leads.relay.start();
    crmSync = startCrmSyncService(h.stack.env);

    admin = await h.createTenant('endtoend', [
      { key: 'budget', label: 'Budget', type: 'number', required: false, pii: false },
    ]);
    form = await h.publishForm(admin, {
      fields: [
        { key: 'email', required: true },
        { key: 'firstName' },
        { key: 'company' },
        { key: 'budget' },
      ],
    });
    const connection = await request(h.tenantConfig)
      .post('/v1/crm-connections')
      .set(bearer(admin))
      .send({
        type: 'hubspot',
        name: 'HubSpot',
        baseUrl: fake.baseUrl,
        credentials: { accessToken: 'pat-na1-end-to-end-000000000001' },
        fieldMapping: {
          email: 'email',
          firstName: 'firstname',
          company: 'company',
          'custom.budget': 'budget',
        },
      });
    expect(connection.status).toBe(201);
  });
  afterAll(async () => {
    await leads.intake.stop();
    await leads.relay.stop();
    await leads.publisher.flush();
    await crmSync.stop();
    await fake.close();
    await h.close();
  });

  const submit = (body: object) =>
    request(h.ingestion.app).post(`/v1/ingest/forms/${form.formKey}`).send(body);

  const listByEmail = async (email: string): Promise<Lead[]> => {
    const res = await request(leads.app)
      .get(`/v1/leads?email=${encodeURIComponent(email)}`)
      .set(bearer(admin));
    expect(res.status).toBe(200);
    return res.body.items as Lead[];
  };

  const leadWhen = (leadId: string, accept: (lead: Lead) => boolean) =>
    eventually(
      async () => {
        const res = await request(leads.app).get(`/v1/leads/${leadId}`).set(bearer(admin));
        return res.status === 200 && accept(res.body as Lead) ? (res.body as Lead) : undefined;
      },
      20_000,
      200,
    );

  it('when a page submits a lead, then it is listed by GET /v1/leads within seconds, under the id ingestion answered', async () => {
    const started = Date.now();
    const accepted = await submit({
      email: '  Ada.Lovelace@Example.com ',
      firstName: 'Ada',
      company: 'Analytical Engines',
      budget: 4200,
    });
    expect(accepted.status).toBe(202);
    const leadId = accepted.body.leadId as string;

    const listed = await eventually(
      async () => {
        const items = await listByEmail('ada.lovelace@example.com');
        return items.length > 0 ? items : undefined;
      },
      10_000,
      100,
    );
    const seconds = (Date.now() - started) / 1000;
    expect(listed.map((lead) => lead.id)).toEqual([leadId]);
    expect(listed[0]).toMatchObject({
      fields: {
        email: 'ada.lovelace@example.com',
        firstName: 'Ada',
        company: 'Analytical Engines',
      },
      custom: { budget: 4200 },
    });
    expect(seconds).toBeLessThan(10);
  });

  it('when the same e-mail is submitted again, then there is still one lead, with two activities', async () => {
    const first = await submit({ email: 'grace@example.com', firstName: 'Grace' });
    expect(first.status).toBe(202);
    const leadId = first.body.leadId as string;
    await leadWhen(leadId, () => true);

    const again = await submit({ email: 'GRACE@example.com', company: 'Navy' });
    expect(again.status).toBe(202);
    const merged = await leadWhen(leadId, (lead) => lead.version === 2);
    expect(merged.fields).toMatchObject({ firstName: 'Grace', company: 'Navy' });

    expect((await listByEmail('grace@example.com')).map((lead) => lead.id)).toEqual([leadId]);
    const timeline = await request(leads.app)
      .get(`/v1/leads/${leadId}/activities`)
      .set(bearer(admin));
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((a: { type: string }) => a.type)).toEqual(['merged', 'created']);
  });

  it('when a lead is stored, then HubSpot has the contact with the mapped fields and the lead shows synced with its id', async () => {
    const accepted = await submit({
      email: 'katherine@example.com',
      firstName: 'Katherine',
      company: 'NASA',
      budget: 1962,
    });
    expect(accepted.status).toBe(202);
    const leadId = accepted.body.leadId as string;

    const synced = await leadWhen(leadId, (lead) => lead.sync[0]?.state === 'synced');
    const contact = [...fake.state.hubspotContacts.values()].find(
      (c) => c.properties.email === 'katherine@example.com',
    );
    expect(contact?.properties).toMatchObject({
      email: 'katherine@example.com',
      firstname: 'Katherine',
      company: 'NASA',
      budget: '1962',
    });
    expect(synced.sync).toEqual([
      expect.objectContaining({ crmType: 'hubspot', state: 'synced', externalId: contact!.id }),
    ]);
  });
});
