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
    const synced = await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.state === 'synced',
    );

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
    await h.waitForStatus('pdco', created.detail.leadId, pipedrive.id, (s) => s.state === 'synced');
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
    await h.waitForStatus('pdco', created.detail.leadId, pipedrive.id, (s) => s.state === 'synced');

    const persons = personsWith('half@pdco.example.com');
    expect(persons).toHaveLength(1);
    const leads = leadsOf(persons[0]!.id);
    expect(leads).toHaveLength(1);
    expect(
      [...h.fake.state.pipedriveNotes.values()].filter((n) => n.lead_id === leads[0]!.id),
    ).toHaveLength(1);
  });

  it('when the person exists already (a sync whose status was lost), then it is found by e-mail and reused', async () => {
    h.fake.state.pipedrivePersons.set(777, {
      token: TOKEN,
      id: 777,
      name: 'Known Person',
      email: [{ value: 'known@pdco.example.com', primary: true, label: 'work' }],
      phone: [],
      fields: {},
    });
    const created = leadCreated('pdco', {
      fields: { email: 'known@pdco.example.com', lastName: 'Known' },
    });
    await h.publish(created);
    const synced = await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.state === 'synced',
    );
    expect(parseExternalId(synced.externalId).personId).toBe(777);
    expect(personsWith('known@pdco.example.com')).toHaveLength(1);
    expect(leadsOf(777)).toHaveLength(1);
  });

  it('when a lead is erased, then its Pipedrive lead and person are deleted', async () => {
    const created = leadCreated('pdco', {
      fields: { email: 'gone@pdco.example.com', lastName: 'Gone' },
    });
    await h.publish(created);
    const synced = await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.state === 'synced',
    );
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
    h.fake.state.pipedrivePersons.set(888, {
      token: TOKEN,
      id: 888,
      name: 'unrecorded@pdco.example.com',
      email: [{ value: 'unrecorded@pdco.example.com', primary: true, label: 'work' }],
      phone: [],
      fields: {},
    });
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
    h.fake.state.pipedrivePersons.set(777, {
      token: TOKEN,
      id: 777,
      name: 'Phone Only',
      email: [],
      phone: [{ value: '+4930999888', primary: true, label: 'work' }],
      fields: {},
    });

    await h.publish(created);
    const synced = await h.waitForStatus(
      'pdco',
      created.detail.leadId,
      pipedrive.id,
      (s) => s.state === 'synced',
    );

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
