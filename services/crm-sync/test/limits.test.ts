import {
  leadCreated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const TOKEN = 'pat-na1-hubspot-storms-000000001';
const LIMIT = { max: 5, intervalMs: 1_000 };

describe('CRM limits: rate limits, 429 storms, 5xx bursts', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness({
      fake: { latencyMs: 20, rateLimits: { hubspot: LIMIT } },
      env: { CRM_SYNC_BATCH_LINGER_MS: '50' },
    });
    await h.createTenant('storms');
    hubspot = await h.connect('storms', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
    });
  });
  afterAll(() => h.close());

  it('when HubSpot answers a 429 storm and a 5xx burst, then every lead arrives exactly once and the worker never exceeds the limit', async () => {
    h.fake.storm({ crm: 'hubspot', status: 429, requests: 3, retryAfterSeconds: 1 });
    h.fake.storm({ crm: 'hubspot', status: 503, requests: 3 });
    const leads = Array.from({ length: 60 }, () => leadCreated('storms'));
    for (let wave = 0; wave < 6; wave++) {
      await h.publish(...leads.slice(wave * 10, wave * 10 + 10));
      await new Promise((r) => setTimeout(r, 150));
    }

    for (const lead of leads)
      await h.waitForStatus(
        'storms',
        lead.detail.leadId,
        hubspot.id,
        (s) => s.state === 'synced',
        60_000,
      );

    const emails = leads.map((l) => l.detail.lead.fields.email!.toLowerCase());
    const contacts = [...h.fake.state.hubspotContacts.values()].filter((c) =>
      emails.includes(c.properties.email!),
    );
    // Exactly once: one contact per lead, each written by exactly one accepted upsert.
    expect(contacts).toHaveLength(60);
    expect(new Set(contacts.map((c) => c.properties.email)).size).toBe(60);
    expect(contacts.every((c) => c.writes === 1)).toBe(true);
    const requests = h.fake.requests({ crm: 'hubspot', token: TOKEN });
    expect(requests.filter((r) => r.storm)).toHaveLength(6);
    // The worker paced itself: the fake never had to refuse, and no window held more than the limit.
    expect(requests.filter((r) => r.limited)).toHaveLength(0);
    expect(h.fake.maxInWindow('hubspot', TOKEN, LIMIT.intervalMs)).toBeLessThanOrEqual(LIMIT.max);
    // The 429s delayed messages instead of failing them.
    const statuses = await Promise.all(leads.map((l) => h.statuses('storms', l.detail.leadId)));
    expect(statuses.flat().every((s) => s.state === 'synced' && !s.lastError)).toBe(true);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
  });

  it('when HubSpot rate-limits a change more often than the queue’s maxReceiveCount, then the change waits without failing and syncs, never reaching the DLQ', async () => {
    const before = h.fake.requests({ crm: 'hubspot', token: TOKEN }).length;
    h.fake.storm({ crm: 'hubspot', status: 429, requests: 10, retryAfterSeconds: 1 });
    const lead = leadCreated('storms');
    await h.publish(lead);

    const settled = await h
      .waitForStatus('storms', lead.detail.leadId, hubspot.id, (s) => s.state !== 'pending', 50_000)
      .finally(() => h.fake.calm());

    expect(settled.state).toBe('synced');
    expect(settled.lastError).toBeUndefined();
    const answers = h.fake.requests({ crm: 'hubspot', token: TOKEN }).slice(before);
    expect(answers.filter((r) => r.status === 429).length).toBe(10);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
  });

  it.each([423, 477])(
    'when HubSpot answers %d (a locked record, a migrating account), then the lead waits and syncs instead of failing',
    async (status) => {
      h.fake.storm({ crm: 'hubspot', status, requests: 1, retryAfterSeconds: 1 });
      const lead = leadCreated('storms');
      await h.publish(lead);
      const settled = await h.waitForStatus(
        'storms',
        lead.detail.leadId,
        hubspot.id,
        (s) => s.state !== 'pending',
        30_000,
      );
      expect(settled).toMatchObject({ state: 'synced' });
      expect(settled.lastError).toBeUndefined();
    },
  );

  it('when a sync is retried after a 5xx, then the lead shows pending with the error meanwhile', async () => {
    h.fake.storm({ crm: 'hubspot', status: 500, requests: 1 });
    const lead = leadCreated('storms');
    await h.publish(lead);
    const pending = await h.waitForStatus(
      'storms',
      lead.detail.leadId,
      hubspot.id,
      (s) => s.state === 'pending' && s.lastError !== undefined,
    );
    expect(pending.lastError).toMatch(/500/);
    const synced = await h.waitForStatus(
      'storms',
      lead.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced',
    );
    expect(synced.lastError).toBeUndefined();
    expect(synced.externalId).toBeDefined();
  });
});

describe('CRM limits: dropped connections', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    // A request that went out before its connection dropped may still be applied, so the lead
    // waits out the lease before the retry: a short one keeps the test quick.
    h = await startCrmSyncHarness({
      fake: { latencyMs: 20, rateLimits: { hubspot: LIMIT } },
      env: {
        CRM_SYNC_BATCH_LINGER_MS: '50',
        CRM_REQUEST_TIMEOUT_MS: '3000',
        CRM_SYNC_LEASE_SECONDS: '5',
      },
    });
    await h.createTenant('drops');
    hubspot = await h.connect('drops', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
    });
  });
  afterAll(() => h.close());

  it('when HubSpot drops connections for a while, then the leads sync once it is back', async () => {
    h.fake.storm({ crm: 'hubspot', status: 'reset', durationMs: 1_500 });
    const leads = Array.from({ length: 5 }, () => leadCreated('drops'));
    await h.publish(...leads);
    for (const lead of leads)
      await h.waitForStatus(
        'drops',
        lead.detail.leadId,
        hubspot.id,
        (s) => s.state === 'synced',
        30_000,
      );
    expect(h.fake.requests({ crm: 'hubspot' }).some((r) => r.status === -1)).toBe(true);
  });
});
