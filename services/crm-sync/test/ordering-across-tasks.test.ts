import { eventually } from '@leadflow/testing';
import { CLAIM_MARGIN_MS, SyncStatusRepository } from '../src/sync/sync-status.repository';
import {
  leadCreated,
  leadUpdated,
  startCrmSyncHarness,
  startCrmSyncService,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const TOKEN = 'pat-na1-hubspot-tasks-0000000001';
/** A short lease, still longer than the CRM request budget, so the test waits seconds. */
const TIMING = { CRM_REQUEST_TIMEOUT_MS: '3000', CRM_SYNC_LEASE_SECONDS: '5' };

describe('Ordering of one lead’s changes across crm-sync tasks', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    // Task B is the harness's worker, started once task A holds version 1.
    h = await startCrmSyncHarness({ startWorker: false, env: TIMING });
    await h.createTenant('tasks');
    hubspot = await h.connect('tasks', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
      fieldMapping: { email: 'email', firstName: 'firstname', company: 'company' },
    });
  });
  afterAll(() => h.close());

  it('when task A pushes version 1 slowly and task B gets version 2 meanwhile, then HubSpot ends with version 2 and the lead shows version 2 synced', async () => {
    const created = leadCreated('tasks', {
      fields: { email: 'order@tasks.example.com', firstName: 'Ada', company: 'Old Co' },
    });
    const renamed = leadUpdated(created, { fields: { firstName: 'Grace', company: 'New Co' } });
    // One message at a time: while A pushes version 1 it receives nothing else.
    const taskA = startCrmSyncService(h.stack.env, { ...TIMING, CRM_SYNC_CONCURRENCY: '1' });
    try {
      h.fake.slowDown({ crm: 'hubspot', delayMs: 2_000 });
      await h.publish(created);
      await eventually(
        async () => (h.fake.state.slowdowns.every((s) => s.remaining === 0) ? true : undefined),
        15_000,
        20,
      );

      h.crmSync.worker.start();
      await h.publish(renamed);

      const status = await h.waitForStatus(
        'tasks',
        created.detail.leadId,
        hubspot.id,
        (s) => s.leadVersion === 2 && s.state === 'synced',
        30_000,
      );
      // Both upserts answered: nothing more is on its way to HubSpot.
      await eventually(
        async () =>
          h.fake.requests({ crm: 'hubspot', token: TOKEN }).length >= 2 ? true : undefined,
        15_000,
        100,
      );

      const [contact] = [...h.fake.state.hubspotContacts.values()].filter((c) => c.token === TOKEN);
      expect(contact!.properties).toEqual({
        email: 'order@tasks.example.com',
        firstname: 'Grace',
        company: 'New Co',
      });
      expect(status.lastError).toBeUndefined();
      const [after] = await h.statuses('tasks', created.detail.leadId);
      expect(after).toMatchObject({ leadVersion: 2, state: 'synced', externalId: contact!.id });
      // Task B waited for A's claim on the lead instead of writing beside it.
      const waits = h.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.leadId === created.detail.leadId && entry.inFlight === 1);
      expect(waits.length).toBeGreaterThan(0);
      // Waiting for the other task is no failed attempt.
      expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
    } finally {
      await taskA.stop();
    }
  });
});

describe('Ordering of one lead’s changes across crm-sync tasks when a CRM request times out', () => {
  const token = 'pat-na1-hubspot-timeout-000000001';
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    // Task B is the harness's worker, started once task A's request for version 1 timed out.
    h = await startCrmSyncHarness({ startWorker: false, env: TIMING });
    await h.createTenant('timeouts');
    hubspot = await h.connect('timeouts', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: token },
      fieldMapping: { email: 'email', firstName: 'firstname', company: 'company' },
    });
  });
  afterAll(() => h.close());

  it('when task A’s request for version 1 times out but HubSpot applies it late, and task B gets version 2 meanwhile, then HubSpot ends with version 2 and the lead shows version 2 synced', async () => {
    const created = leadCreated('timeouts', {
      fields: { email: 'late@timeouts.example.com', firstName: 'Ada', company: 'Old Co' },
    });
    const renamed = leadUpdated(created, { fields: { firstName: 'Grace', company: 'New Co' } });
    const taskA = startCrmSyncService(h.stack.env, { ...TIMING, CRM_SYNC_CONCURRENCY: '1' });
    try {
      // Longer than the request budget: A gives up on version 1, which HubSpot applies later.
      h.fake.slowDown({ crm: 'hubspot', delayMs: 4_000 });
      await h.publish(created);
      const timedOut = await h.waitForStatus(
        'timeouts',
        created.detail.leadId,
        hubspot.id,
        (s) => s.state === 'pending' && s.lastError !== undefined,
        15_000,
      );
      expect(timedOut).toMatchObject({ leadVersion: 1 });
      expect(timedOut.lastError).toMatch(/no answer within 3000 ms/);

      h.crmSync.worker.start();
      await h.publish(renamed);

      await h.waitForStatus(
        'timeouts',
        created.detail.leadId,
        hubspot.id,
        (s) => s.leadVersion === 2 && s.state === 'synced',
        30_000,
      );
      // The late version 1 has reached HubSpot too: what the contact holds is final.
      await eventually(
        async () => (h.fake.requests({ crm: 'hubspot', token }).length >= 2 ? true : undefined),
        15_000,
        100,
      );

      const [contact] = [...h.fake.state.hubspotContacts.values()].filter((c) => c.token === token);
      expect(contact!.properties).toEqual({
        email: 'late@timeouts.example.com',
        firstname: 'Grace',
        company: 'New Co',
      });
      const [after] = await h.statuses('timeouts', created.detail.leadId);
      expect(after).toMatchObject({ leadVersion: 2, state: 'synced', externalId: contact!.id });
    } finally {
      await taskA.stop();
    }
  });
});

describe('A claim on a lead, across tasks whose clocks differ', () => {
  let h: CrmSyncHarness;
  beforeAll(async () => {
    h = await startCrmSyncHarness({ startWorker: false });
  });
  afterAll(() => h.close());

  it('when another task claims the lead just after the lease by its own clock, then the claim still holds for the margin, and only past it is taken over', async () => {
    const leaseMs = 5_000;
    const statuses = new SyncStatusRepository(h.db, h.stack.env.LEADS_TABLE!, leaseMs);
    const begun = Date.parse('2026-11-27T12:00:00.000Z');
    const claimAt = (ms: number, leadVersion: number) =>
      statuses.claim('skew', 'lead-1', {
        connectionId: 'c1',
        crmType: 'hubspot',
        leadVersion,
        at: new Date(begun + ms).toISOString(),
      });

    expect(await claimAt(0, 1)).toMatchObject({ claimed: true });
    // Task B's clock runs ahead: by it, the lease has just ended.
    expect(await claimAt(leaseMs + 1, 2)).toMatchObject({
      claimed: false,
      current: { leadVersion: 1, state: 'pending' },
    });
    expect(await claimAt(leaseMs + CLAIM_MARGIN_MS - 1, 2)).toMatchObject({ claimed: false });
    expect(await claimAt(leaseMs + CLAIM_MARGIN_MS + 1, 2)).toMatchObject({
      claimed: true,
      previous: { leadVersion: 1 },
    });
  });

  it('when a version is synced, then the claims and failed attempts of later versions keep it as the newest the CRM got', async () => {
    const statuses = new SyncStatusRepository(h.db, h.stack.env.LEADS_TABLE!, 5_000);
    const attempt = async (leadVersion: number, state: 'synced' | 'pending') => {
      const at = new Date().toISOString();
      const claim = { connectionId: 'c1', crmType: 'hubspot', leadVersion, at };
      expect(await statuses.claim('kept', 'lead-1', claim)).toMatchObject({ claimed: true });
      const write = { ...claim, state, lastAttemptAt: at, claimedAt: at };
      await statuses.write('kept', 'lead-1', {
        ...write,
        ...(state === 'synced'
          ? { lastError: null, syncedVersion: leadVersion }
          : { lastError: 'HubSpot answered 503' }),
      });
    };
    await attempt(1, 'synced');
    await attempt(2, 'pending');
    const [failed] = await h.statuses('kept', 'lead-1');
    expect(failed).toMatchObject({ leadVersion: 2, state: 'pending', syncedVersion: 1 });
    const retry = await statuses.claim('kept', 'lead-1', {
      connectionId: 'c1',
      crmType: 'hubspot',
      leadVersion: 2,
      at: new Date().toISOString(),
    });
    expect(retry).toMatchObject({ claimed: true, previous: { syncedVersion: 1 } });
    const [claimed] = await h.statuses('kept', 'lead-1');
    expect(claimed).toMatchObject({ leadVersion: 2, state: 'pending', syncedVersion: 1 });
  });
});
