import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { leadKeys } from '@leadflow/contracts';
import { parseExternalId } from '../src/connectors/pipedrive.connector';
import {
  leadCreated,
  leadErased,
  leadUpdated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
  eraseAfterUnrecordedCreate,
} from './harness';

const TOKEN = 'pipedrive-api-token-0123456789abcdef';
const LIMIT = { max: 6, intervalMs: 2_000 };

describe('Pipedrive sync', () => {
  let h: CrmSyncHarness;
  let pipedrive: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness({ fake: { rateLimits: { pipedrive: LIMIT } } });
    await h.createTenant('pdco');
    pipedrive = await h.connect('pdco', {
      type: 'pipedrive',
      name: 'Pipedrive',
      baseUrl: h.fake.baseUrl,
      credentials: { apiToken: TOKEN },
    });
  });
  afterAll(() => h.close());

  const personsWith = (email: string) =>
    [...h.fake.state.pipedrivePersons.values()].filter((p) =>
      p.email.some((e) => e.value === email),
    );
  const leadsOf = (personId: number) =>
    [...h.fake.state.pipedriveLeads.values()].filter((l) => l.person_id === personId);

  /** A person already in Pipedrive, made outside this sync or by an attempt whose answer was lost. */
  function existingPerson(id: number, name: string, contact: { email?: string; phone?: string }) {
    const value = (v: string | undefined) =>
      v === undefined ? [] : [{ value: v, primary: true, label: 'work' }];
    h.fake.state.pipedrivePersons.set(id, {
      token: TOKEN,
      id,
      name,
      email: value(contact.email),
      phone: value(contact.phone),
      fields: {},
    });
  }

  const syncedStatus = (leadId: string) =>
    h.waitForStatus('pdco', leadId, pipedrive.id, (s) => s.state === 'synced');

  it('when a lead is created, then Pipedrive has a person, a lead linked to it and the message as a note', async () => {
    const created = leadCreated('pdco', {
      fields: {
        email: 'eve@pdco.example.com',
        firstName: 'Eve',
        lastName: 'Ng',
        phone: '+4915112345678',
        company: 'Acme',
        message: 'Quote please',
      },
    });
    await h.publish(created);
    const synced = await syncedStatus(created.detail.leadId);

    const [person] = personsWith('eve@pdco.example.com');
    expect(person).toMatchObject({
      token: TOKEN,
      name: 'Eve Ng',
      email: [{ value: 'eve@pdco.example.com', primary: true, label: 'work' }],
      phone: [{ value: '+4915112345678', primary: true, label: 'work' }],
      fields: { first_name: 'Eve', last_name: 'Ng' },
    });
    const [lead] = leadsOf(person!.id);
    expect(lead).toMatchObject({ title: 'Eve Ng – Acme', origin_id: created.detail.leadId });
    const notes = [...h.fake.state.pipedriveNotes.values()].filter((n) => n.lead_id === lead!.id);
    expect(notes.map((n) => n.content)).toEqual(['Quote please']);
    expect(parseExternalId(synced.externalId)).toEqual({ personId: person!.id, leadId: lead!.id });
  });

  it('when the lead changes, then the stored ids update the same person and lead, without searching', async () => {
    const created = leadCreated('pdco', {
      fields: { email: 'upd@pdco.example.com', firstName: 'Old', lastName: 'Name' },
    });
    await h.publish(created);
    await syncedStatus(created.detail.leadId);
    const before = h.fake.requests({ crm: 'pipedrive' }).length;

    await h.publish(leadUpdated(created, { fields: { firstName: 'New' } }));
    await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );

    const calls = h.fake
      .requests({ crm: 'pipedrive' })
      .slice(before)
      .map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f-]{36}$|\/\d+$/, '/:id')}`);
    expect(calls.sort()).toEqual(['PATCH /api/v1/leads/:id', 'PUT /api/v1/persons/:id']);
    const persons = personsWith('upd@pdco.example.com');
    expect(persons).toHaveLength(1);
    expect(persons[0]!.name).toBe('New Name');
    expect(leadsOf(persons[0]!.id)).toHaveLength(1);
  });

  it('when a retry follows a half-done sync, then no second person, lead or note is made', async () => {
    // The lead is created but its note fails: the next attempt finds the lead by origin_id.
    h.fake.storm({
      crm: 'pipedrive',
      method: 'POST',
      path: '/api/v1/notes',
      status: 503,
      requests: 1,
    });
    const created = leadCreated('pdco', {
      fields: { email: 'half@pdco.example.com', lastName: 'Half', message: 'Hello' },
    });
    await h.publish(created);
    const pending = await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.state === 'pending' && s.lastError !== undefined,
    );
    expect(pending.externalId).toMatch(/^person\/\d+$/);
    await syncedStatus(created.detail.leadId);

    const persons = personsWith('half@pdco.example.com');
    expect(persons).toHaveLength(1);
    const leads = leadsOf(persons[0]!.id);
    expect(leads).toHaveLength(1);
    expect(
      [...h.fake.state.pipedriveNotes.values()].filter((n) => n.lead_id === leads[0]!.id),
    ).toHaveLength(1);
  });

  it('when the person exists already (a sync whose status was lost), then it is found by e-mail and reused', async () => {
    existingPerson(777, 'Known Person', { email: 'known@pdco.example.com' });
    const created = leadCreated('pdco', {
      fields: { email: 'known@pdco.example.com', lastName: 'Known' },
    });
    await h.publish(created);
    const synced = await syncedStatus(created.detail.leadId);
    expect(parseExternalId(synced.externalId).personId).toBe(777);
    expect(personsWith('known@pdco.example.com')).toHaveLength(1);
    expect(leadsOf(777)).toHaveLength(1);
  });

  it('when a lead is erased, then its Pipedrive lead and person are deleted', async () => {
    const created = leadCreated('pdco', {
      fields: { email: 'gone@pdco.example.com', lastName: 'Gone' },
    });
    await h.publish(created);
    const synced = await syncedStatus(created.detail.leadId);
    const { personId, leadId } = parseExternalId(synced.externalId);
    await h.publish(leadErased('pdco', created.detail.leadId, 2));
    await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    expect(h.fake.state.pipedrivePersons.has(personId!)).toBe(false);
    expect(h.fake.state.pipedriveLeads.has(leadId!)).toBe(false);
  });

  it('when a lead whose person may have reached Pipedrive without its id being recorded is erased, then the erasure shows failed, not verified, instead of synced', async () => {
    const created = leadCreated('pdco', { fields: { email: 'unrecorded@pdco.example.com' } });
    // The person was created, but the answer was lost: no id was recorded.
    existingPerson(888, 'unrecorded@pdco.example.com', { email: 'unrecorded@pdco.example.com' });
    const erased = await eraseAfterUnrecordedCreate(
      h,
      'pdco',
      { id: pipedrive.id, crmType: 'pipedrive' },
      created.detail.leadId,
    );

    expect(erased.state).toBe('failed');
    expect(erased.lastError).toMatch(/^erasure not verified: no CRM id recorded/);
  });

  it('when a lead without an e-mail is retried after its person was made but not recorded, then the person is found by phone, not made twice', async () => {
    const created = leadCreated('pdco', {
      fields: { firstName: 'Phone', lastName: 'Only', phone: '+4930999888' },
    });
    // The first attempt claimed the lead and created the person; its answer was lost.
    await h.db.send(
      new PutCommand({
        TableName: h.stack.env.LEADS_TABLE!,
        Item: {
          ...leadKeys.syncStatus('pdco', created.detail.leadId, pipedrive.id),
          connectionId: pipedrive.id,
          crmType: 'pipedrive',
          state: 'pending',
          leadVersion: 1,
          lastAttemptAt: new Date(Date.now() - 600_000).toISOString(),
          lastError: '127.0.0.1: no answer within 5000 ms',
        },
      }),
    );
    existingPerson(777, 'Phone Only', { phone: '+4930999888' });

    await h.publish(created);
    const synced = await syncedStatus(created.detail.leadId);

    expect(parseExternalId(synced.externalId).personId).toBe(777);
    const named = [...h.fake.state.pipedrivePersons.values()].filter(
      (p) => p.name === 'Phone Only',
    );
    expect(named).toHaveLength(1);
  });

  it('when many leads arrive, then the worker keeps to the token’s limit from x-ratelimit-* headers', async () => {
    const leads = Array.from({ length: 6 }, () => leadCreated('pdco'));
    await h.publish(...leads);
    for (const lead of leads)
      await h.waitForStatus(
        'pdco',
        lead.detail.leadId,
        pipedrive.id,
        (s) => s.state === 'synced',
        40_000,
      );
    const requests = h.fake.requests({ crm: 'pipedrive', token: TOKEN });
    expect(requests.filter((r) => r.limited)).toHaveLength(0);
    expect(h.fake.maxInWindow('pipedrive', TOKEN, LIMIT.intervalMs)).toBeLessThanOrEqual(LIMIT.max);
    // The api_token never appears in what crm-sync logs.
    expect(h.logs.join('\n')).not.toContain(TOKEN);
  });
});
