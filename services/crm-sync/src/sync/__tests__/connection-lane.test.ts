import type { CrmConnectionItem, SyncStatusItem } from '@leadflow/contracts';
import { createLogger } from '@leadflow/core';
import type { Connector, ItemResult, SyncItem } from '../../connectors/connector';
import type { CrmRequest, CrmResponse } from '../../connectors/crm-http';
import { hubspotConnector } from '../../connectors/hubspot.connector';
import { salesforceConnector } from '../../connectors/salesforce.connector';
import { ConnectionLane, type LaneDeps, type SyncOutcome } from '../connection-lane';
import { CLAIM_MARGIN_MS, UNANSWERED, type StatusWrite } from '../sync-status.repository';

const connection: CrmConnectionItem = {
  tenantId: 't1',
  connectionId: 'c1',
  type: 'hubspot',
  name: 'HubSpot',
  enabled: true,
  fieldMapping: {},
  secretName: 's',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function change(leadId: string, version: number): SyncItem {
  return {
    leadId,
    version,
    eventId: `${leadId}-${version}`,
    detailType: version === 1 ? 'lead.created' : 'lead.updated',
    occurredAt: '2026-01-01T00:00:00.000Z',
    changedFields: [],
    lead: {
      id: leadId,
      status: 'new',
      source: 'form',
      fields: {},
      custom: {},
      isTest: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version,
    },
  };
}

function withEmail(leadId: string): SyncItem {
  const item = change(leadId, 1);
  return { ...item, lead: { ...item.lead!, fields: { email: `${leadId}@example.com` } } };
}

function recordedAs(state: SyncStatusItem['state'], leadVersion: number): SyncStatusItem {
  return { connectionId: 'c1', crmType: 'hubspot', state, leadVersion, lastAttemptAt: 'x' };
}

/** Leads A and B, which crm-sync created in Salesforce before. */
const salesforceLeadsAB = () =>
  new Map(
    ['A', 'B'].map((leadId) => [
      leadId,
      { ...recordedAs('synced', 1), externalId: `00Q${leadId}` },
    ]),
  );

/** Salesforce's answer to upserting A and B once a sales rep deleted A there. */
const A_DELETED_IN_SALESFORCE: Partial<CrmResponse> = {
  status: 200,
  body: [
    {
      id: null,
      success: false,
      errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Company', fields: ['Company'] }],
    },
    { id: '00QB', success: true, errors: [] },
  ],
};

/** Credentials cached until invalidated, as the store keeps them; `stored` is the secret now. */
function cachedCredentials(cached: string, stored: string) {
  const secret = { cached: cached as string | undefined, stored, reads: 0 };
  const credentials: LaneDeps['credentials'] = {
    get: async () => {
      if (secret.cached === undefined) {
        secret.reads += 1;
        secret.cached = secret.stored;
      }
      return { accessToken: secret.cached };
    },
    invalidate: () => (secret.cached = undefined),
  };
  return { credentials, secret };
}

/** A connector that records its batches and answers through `respond`. */
function recordingConnector(overrides: Partial<Connector> = {}, delayMs = 20) {
  const batches: SyncItem[][] = [];
  let active = 0;
  let maxActive = 0;
  const connector: Connector = {
    type: 'hubspot',
    maxBatch: 10,
    defaultLimit: { max: 1_000, intervalMs: 1_000 },
    reportsLimits: false,
    requestsPerBatch: 1,
    credentialsProblem: () => undefined,
    baseUrl: () => 'https://crm.example.com',
    observeLimits: () => undefined,
    rateLimitedFor: (response) => (response.status === 429 ? 4 : undefined),
    async upsert(context, items) {
      batches.push(items);
      active += 1;
      maxActive = Math.max(maxActive, active);
      try {
        await context.request({ method: 'POST', url: 'https://crm.example.com/x' });
        await new Promise((r) => setTimeout(r, delayMs));
        return items.map((i): ItemResult => ({ state: 'synced', externalId: `x-${i.leadId}` }));
      } finally {
        active -= 1;
      }
    },
    erase: async (_context, items) => items.map((): ItemResult => ({ state: 'synced' })),
    ...overrides,
  };
  return { connector, batches, maxActive: () => maxActive };
}

const LEASE_MS = 60_000;

/** A status that another task's attempt, begun `agoMs` ago, claimed. */
function claimedAs(leadVersion: number, agoMs: number): SyncStatusItem {
  const at = new Date(Date.now() - agoMs).toISOString();
  return {
    connectionId: 'c1',
    crmType: 'hubspot',
    state: 'pending',
    leadVersion,
    lastAttemptAt: at,
  };
}

function laneWith(
  connector: Connector,
  options: {
    recorded?: Map<string, SyncStatusItem>;
    status?: number;
    maxQueueWaitMs?: number;
    maxReceiveCount?: number;
    credentials?: LaneDeps['credentials'];
    leaseMs?: number;
    requestTimeoutMs?: number;
    /** The CRM's answer to each request, after `answerAfterMs`. */
    respond?: (request: CrmRequest) => Partial<CrmResponse>;
    answerAfterMs?: number;
  } = {},
) {
  const writes: Array<{ leadId: string; status: StatusWrite }> = [];
  const recorded = new Map(options.recorded);
  const leaseMs = options.leaseMs ?? LEASE_MS;
  let sent = 0;
  const deps: LaneDeps = {
    connector,
    credentials: options.credentials ?? { get: async () => ({}), invalidate: () => undefined },
    // The repository's conditions, in memory.
    statuses: {
      claim: async (_tenant, leadId, claim) => {
        const current = recorded.get(leadId);
        const behind =
          current !== undefined &&
          (current.leadVersion > claim.leadVersion ||
            (current.leadVersion === claim.leadVersion && current.state === 'synced'));
        const held =
          current !== undefined &&
          ((current.state === 'pending' && current.lastError === undefined) ||
            current.lastError?.startsWith(UNANSWERED) === true) &&
          Date.parse(current.lastAttemptAt) > Date.parse(claim.at) - leaseMs - CLAIM_MARGIN_MS;
        if (behind || held) return { claimed: false, current };
        recorded.set(leadId, {
          ...(current?.syncedVersion === undefined ? {} : { syncedVersion: current.syncedVersion }),
          connectionId: claim.connectionId,
          crmType: claim.crmType,
          state: 'pending',
          leadVersion: claim.leadVersion,
          lastAttemptAt: claim.at,
        });
        return { claimed: true, ...(current ? { previous: current } : {}) };
      },
      write: async (_tenant, leadId, status) => {
        writes.push({ leadId, status });
        const { claimedAt: _claimedAt, unanswered, externalId, lastError, ...rest } = status;
        const syncedVersion = status.syncedVersion ?? recorded.get(leadId)?.syncedVersion;
        recorded.set(leadId, {
          ...rest,
          ...(syncedVersion === undefined ? {} : { syncedVersion }),
          ...(externalId ? { externalId } : {}),
          ...(lastError ? { lastError: `${unanswered ? UNANSWERED : ''}${lastError}` } : {}),
        });
        return { written: true };
      },
    },
    http: {
      send: async (request): Promise<CrmResponse> => {
        sent += 1;
        await new Promise((r) => setTimeout(r, options.answerAfterMs ?? 0));
        return {
          status: options.status ?? 200,
          headers: {},
          text: '',
          body: undefined,
          errorSummary: undefined,
          ...options.respond?.(request),
        };
      },
    },
    logger: createLogger({ service: 'test', level: 'silent' }),
    settings: {
      lingerMs: 30,
      maxQueueWaitMs: options.maxQueueWaitMs ?? 5_000,
      maxRateLimitWaitMs: 60_000,
      concurrency: 4,
      leaseMs,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    },
    maxReceiveCount: async () => options.maxReceiveCount,
  };
  return { lane: new ConnectionLane(connection, deps), writes, sent: () => sent };
}

describe('ConnectionLane', () => {
  it('when several versions of a lead wait together, then only the newest is sent and all settle', async () => {
    const { connector, batches } = recordingConnector();
    const { lane, writes } = laneWith(connector);
    const outcomes = await Promise.all(
      [1, 3, 2].map((v) => lane.submit(connection, change('A', v), 1)),
    );
    expect(outcomes).toEqual([{ kind: 'done' }, { kind: 'done' }, { kind: 'done' }]);
    expect(batches.map((b) => b.map((i) => i.version))).toEqual([[3]]);
    expect(writes.map((w) => w.status.leadVersion)).toEqual([3]);
  });

  it('when a field is emptied and the lead changes again while both wait, then the change sent names the fields of both', async () => {
    const { connector, batches } = recordingConnector();
    const { lane } = laneWith(connector);
    await Promise.all([
      lane.submit(connection, { ...change('A', 5), changedFields: ['phone'] }, 1),
      lane.submit(connection, { ...change('A', 6), changedFields: ['status'] }, 1),
    ]);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((i) => [i.version, [...i.changedFields].sort()])).toEqual([
      [6, ['phone', 'status']],
    ]);
  });

  it('when the version before a change is not the newest the CRM got, then every mapped field counts as changed; a retry of the same change decides as its first attempt did', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map<string, SyncStatusItem>([
      ['follows', recordedAs('synced', 4)],
      ['skipped', recordedAs('synced', 3)],
      ['failed', { ...recordedAs('failed', 4), syncedVersion: 3 }],
      ['retried', { ...recordedAs('pending', 5), syncedVersion: 4 }],
      ['retried-after-a-gap', { ...recordedAs('pending', 5), syncedVersion: 3 }],
      ['never-synced', { ...recordedAs('failed', 4), syncedVersion: 0 }],
      // Last written before syncedVersion was recorded: a retry keeps its own fields, as before.
      ['unknown-retried', recordedAs('pending', 5)],
      ['unknown-failed', recordedAs('failed', 4)],
    ]);
    const { lane } = laneWith(connector, { recorded });
    const mapped = { ...connection, fieldMapping: { phone: 'phone', 'custom.budget': 'budget' } };
    await Promise.all(
      [...recorded.keys(), 'new'].map((leadId) =>
        lane.submit(mapped, { ...change(leadId, 5), changedFields: ['status'] }, 1),
      ),
    );
    const sent = Object.fromEntries(
      batches.flat().map((i) => [i.leadId, [...i.changedFields].sort()]),
    );
    expect(sent).toEqual({
      follows: ['status'],
      skipped: ['custom.budget', 'phone', 'status'],
      failed: ['custom.budget', 'phone', 'status'],
      retried: ['status'],
      'retried-after-a-gap': ['custom.budget', 'phone', 'status'],
      'never-synced': ['custom.budget', 'phone', 'status'],
      'unknown-retried': ['status'],
      'unknown-failed': ['custom.budget', 'phone', 'status'],
      new: ['status'],
    });
  });

  it('when a lead’s first change is retried, then it keeps its own fields', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map([
      ['A', { ...recordedAs('pending', 1), lastError: 'HubSpot answered 503' }],
    ]);
    const { lane } = laneWith(connector, { recorded });
    const mapped = { ...connection, fieldMapping: { phone: 'phone' } };
    await lane.submit(mapped, { ...change('A', 1), changedFields: ['email'] }, 2);
    expect(batches.flat().map((i) => i.changedFields)).toEqual([['email']]);
  });

  it('when a lead’s first change fails, then its status records that the CRM got no version yet', async () => {
    const recording = recordingConnector();
    const connector: Connector = {
      ...recording.connector,
      upsert: async (_context, items) =>
        items.map((): ItemResult => ({ state: 'retry', error: 'HubSpot answered 503' })),
    };
    const { lane, writes } = laneWith(connector);
    await lane.submit(connection, change('A', 1), 1);
    expect(writes.map((w) => [w.status.state, w.status.syncedVersion])).toEqual([['pending', 0]]);
  });

  it('when a widened change fails and is retried, then the retry is widened too, and once synced the next change is not', async () => {
    let fail = true;
    const recording = recordingConnector();
    const connector: Connector = {
      ...recording.connector,
      upsert: async (context, items) => {
        const results = await recording.connector.upsert(context, items);
        return fail
          ? items.map((): ItemResult => ({ state: 'retry', error: 'HubSpot answered 503' }))
          : results;
      },
    };
    const batches = recording.batches;
    const { lane, writes } = laneWith(connector, {
      recorded: new Map([['A', { ...recordedAs('synced', 1), syncedVersion: 1 }]]),
    });
    const mapped = { ...connection, fieldMapping: { phone: 'phone' } };
    // Version 2, which emptied the phone, never reached this task.
    const first = await lane.submit(mapped, { ...change('A', 3), changedFields: ['status'] }, 1);
    expect(first.kind).toBe('retry');
    fail = false;
    await lane.submit(mapped, { ...change('A', 3), changedFields: ['status'] }, 2);
    await lane.submit(mapped, { ...change('A', 4), changedFields: ['status'] }, 1);
    expect(batches.map((b) => [b[0]!.version, [...b[0]!.changedFields].sort()])).toEqual([
      [3, ['phone', 'status']],
      [3, ['phone', 'status']],
      [4, ['status']],
    ]);
    expect(
      writes.map((w) => [w.status.state, w.status.leadVersion, w.status.syncedVersion]),
    ).toEqual([
      ['pending', 3, 1],
      ['synced', 3, 3],
      ['synced', 4, 4],
    ]);
  });

  it('when a lead’s batch is in flight, then its next change waits for it: never two at once', async () => {
    const { connector, batches } = recordingConnector({}, 150);
    const { lane } = laneWith(connector);
    const first = lane.submit(connection, change('A', 1), 1);
    await new Promise((r) => setTimeout(r, 40));
    const second = lane.submit(connection, change('A', 2), 1);
    const other = lane.submit(connection, change('B', 1), 1);
    await Promise.all([first, second, other]);
    expect(batches.map((b) => b.map((i) => `${i.leadId}${i.version}`))).toEqual([
      ['A1'],
      ['B1'],
      ['A2'],
    ]);
  });

  it('when changes wait together, then they share a batch up to the CRM’s size', async () => {
    const { connector, batches } = recordingConnector();
    const { lane } = laneWith(connector);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => lane.submit(connection, change(`L${i}`, 1), 1)),
    );
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('when this version is already synced, or a newer one recorded, then nothing is sent', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map<string, SyncStatusItem>([
      ['A', recordedAs('synced', 2)],
      ['B', recordedAs('pending', 5)],
    ]);
    const { lane, writes } = laneWith(connector, { recorded });
    await Promise.all([
      lane.submit(connection, change('A', 2), 1),
      lane.submit(connection, change('B', 4), 1),
    ]);
    expect(batches).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('when another task’s attempt at an older or the same version is in flight, then the change waits for its claim to end, back in the queue; nothing is sent or recorded', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map<string, SyncStatusItem>([
      ['older', claimedAs(1, 10_000)],
      ['same', claimedAs(2, 30_000)],
    ]);
    const { lane, writes } = laneWith(connector, { recorded });
    const [older, same] = await Promise.all([
      lane.submit(connection, change('older', 2), 1),
      lane.submit(connection, change('same', 2), 1),
    ]);
    // The claims end after the lease and the margin other tasks give it.
    const margin = CLAIM_MARGIN_MS / 1000;
    expect(older).toMatchObject({ kind: 'deferred', delaySeconds: 50 + margin });
    expect(same).toMatchObject({ kind: 'deferred', delaySeconds: 30 + margin });
    expect(batches).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('when another task’s attempt at a newer version is in flight, then the change is superseded: nothing is sent or recorded', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map([['A', claimedAs(3, 1_000)]]);
    const { lane, writes } = laneWith(connector, { recorded });
    expect(await lane.submit(connection, change('A', 2), 1)).toEqual({ kind: 'done' });
    expect(batches).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('when a claim has run out (its task died), or a failed attempt left its error, then the next change claims the lead and is sent in full', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map<string, SyncStatusItem>([
      ['died', claimedAs(1, LEASE_MS + CLAIM_MARGIN_MS + 1_000)],
      ['failed', { ...claimedAs(1, 1_000), lastError: 'HubSpot answered 503' }],
    ]);
    const { lane, writes } = laneWith(connector, { recorded });
    const mapped = { ...connection, fieldMapping: { phone: 'phone' } };
    const outcomes = await Promise.all([
      lane.submit(mapped, { ...change('died', 2), changedFields: ['status'] }, 1),
      lane.submit(mapped, { ...change('failed', 2), changedFields: ['status'] }, 1),
    ]);
    expect(outcomes).toEqual([{ kind: 'done' }, { kind: 'done' }]);
    expect(batches.flat().map((i) => [i.leadId, [...i.changedFields].sort()])).toEqual([
      ['died', ['phone', 'status']],
      ['failed', ['phone', 'status']],
    ]);
    expect(writes.map((w) => [w.leadId, w.status.state, w.status.leadVersion])).toEqual([
      ['died', 'synced', 2],
      ['failed', 'synced', 2],
    ]);
    // Each write names its own claim, which therefore does not hold it back.
    expect(writes.every((w) => w.status.claimedAt !== undefined)).toBe(true);
  });

  it('when the claim runs out before a CRM request could end within it, then the request is not sent and the change waits for a new claim, not counted as a failed attempt', async () => {
    const { connector } = recordingConnector();
    const slowCredentials: LaneDeps['credentials'] = {
      get: async () => {
        await new Promise((r) => setTimeout(r, 50));
        return {};
      },
      invalidate: () => undefined,
    };
    const { lane, writes, sent } = laneWith(connector, {
      credentials: slowCredentials,
      leaseMs: 1_010,
      requestTimeoutMs: 1_000,
    });
    expect(await lane.submit(connection, change('A', 1), 1)).toMatchObject({
      kind: 'deferred',
      error: expect.stringMatching(/claim .* ran out/),
    });
    expect(sent()).toBe(0);
    expect(writes[0]!.status).toMatchObject({ state: 'pending', leadVersion: 1 });
  });

  it('when the claim’s time runs out during a bulk erasure, then the leads already erased show synced and the rest wait for a new claim, not counted as failed even on the last receive', async () => {
    const recorded = new Map(
      ['A', 'B', 'C'].map((leadId) => [leadId, { ...recordedAs('synced', 1), externalId: leadId }]),
    );
    // Each request ends 300 ms after it starts; none may start 500 ms after the claim.
    const { lane, writes, sent } = laneWith(hubspotConnector, {
      recorded,
      leaseMs: 1_000,
      requestTimeoutMs: 500,
      answerAfterMs: 300,
      status: 204,
      maxReceiveCount: 8,
    });
    const erasure = (leadId: string): SyncItem => ({
      ...change(leadId, 2),
      detailType: 'lead.erased',
      lead: undefined,
    });
    const outcomes = await Promise.all(
      ['A', 'B', 'C'].map((leadId) => lane.submit(connection, erasure(leadId), 8)),
    );
    expect(outcomes).toEqual([
      { kind: 'done' },
      { kind: 'done' },
      expect.objectContaining({
        kind: 'deferred',
        error: expect.stringMatching(/claim .* ran out/),
      }),
    ]);
    expect(sent()).toBe(2);
    expect(writes.map((w) => [w.leadId, w.status.state])).toEqual([
      ['A', 'synced'],
      ['B', 'synced'],
      ['C', 'pending'],
    ]);
    expect(writes[2]!.status.lastError).not.toMatch(/gave up/);
  });

  it('when the claim’s time runs out while HubSpot’s refused batch is being halved, then the half already written shows synced and only the rest waits', async () => {
    let requests = 0;
    const { lane, writes } = laneWith(hubspotConnector, {
      leaseMs: 1_000,
      requestTimeoutMs: 500,
      answerAfterMs: 300,
      // The whole batch is refused; its first half, sent alone, passes.
      respond: () =>
        (requests += 1) === 1
          ? { status: 400 }
          : { status: 200, body: { results: [{ id: 'h-A', objectWriteTraceId: 'A' }] } },
    });
    const outcomes = await Promise.all(
      ['A', 'B'].map((leadId) => lane.submit(connection, withEmail(leadId), 1)),
    );
    expect(requests).toBe(2);
    expect(outcomes).toEqual([{ kind: 'done' }, expect.objectContaining({ kind: 'deferred' })]);
    expect(writes.map((w) => [w.leadId, w.status.state, w.status.externalId])).toEqual([
      ['A', 'synced', 'h-A'],
      ['B', 'pending', undefined],
    ]);
  });

  it('when the claim’s time runs out before a Lead deleted in Salesforce can be created again, then the other Lead of the batch shows synced and only the deleted one waits', async () => {
    const recorded = salesforceLeadsAB();
    // The batch's upsert ends past the last moment a request may start.
    const { lane, writes, sent } = laneWith(salesforceConnector, {
      recorded,
      leaseMs: 1_000,
      requestTimeoutMs: 500,
      answerAfterMs: 600,
      respond: () => A_DELETED_IN_SALESFORCE,
    });
    const outcomes = await Promise.all(
      ['A', 'B'].map((leadId) => lane.submit(connection, change(leadId, 2), 1)),
    );
    expect(sent()).toBe(1);
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'deferred' }), { kind: 'done' }]);
    expect(writes.map((w) => [w.leadId, w.status.state])).toEqual([
      ['A', 'pending'],
      ['B', 'synced'],
    ]);
  });

  it('when HubSpot fails with 503 while its refused batch is being halved, then the half already written shows synced and only the rest is retried', async () => {
    let requests = 0;
    const { lane, writes } = laneWith(hubspotConnector, {
      // The whole batch is refused; its first half, sent alone, passes; the second meets an outage.
      respond: () => {
        requests += 1;
        if (requests === 1) return { status: 400 };
        if (requests === 2)
          return { status: 200, body: { results: [{ id: 'h-A', objectWriteTraceId: 'A' }] } };
        return { status: 503 };
      },
    });
    const outcomes = await Promise.all(
      ['A', 'B'].map((leadId) => lane.submit(connection, withEmail(leadId), 1)),
    );
    expect(requests).toBe(3);
    expect(outcomes).toEqual([{ kind: 'done' }, expect.objectContaining({ kind: 'retry' })]);
    expect(writes.map((w) => [w.leadId, w.status.state, w.status.externalId])).toEqual([
      ['A', 'synced', 'h-A'],
      ['B', 'pending', undefined],
    ]);
    expect(writes[1]!.status.lastError).toMatch(/503/);
  });

  it('when Salesforce fails with 503 to create again a Lead deleted there, then the other Lead of the batch shows synced and only the deleted one is retried', async () => {
    const recorded = salesforceLeadsAB();
    let requests = 0;
    const { lane, writes } = laneWith(salesforceConnector, {
      recorded,
      respond: () => ((requests += 1) === 1 ? A_DELETED_IN_SALESFORCE : { status: 503 }),
    });
    const outcomes = await Promise.all(
      ['A', 'B'].map((leadId) => lane.submit(connection, change(leadId, 2), 1)),
    );
    expect(requests).toBe(2);
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'retry' }), { kind: 'done' }]);
    expect(writes.map((w) => [w.leadId, w.status.state])).toEqual([
      ['A', 'pending'],
      ['B', 'synced'],
    ]);
  });

  it('when the CRM answers 429, then the change is deferred by its Retry-After and shows pending', async () => {
    const { connector } = recordingConnector();
    const { lane, writes } = laneWith(connector, { status: 429 });
    const outcome = await lane.submit(connection, change('A', 1), 1);
    expect(outcome).toMatchObject({ kind: 'deferred', delaySeconds: 4 });
    expect(writes[0]!.status).toMatchObject({ state: 'pending', leadVersion: 1 });
    expect(writes[0]!.status.lastError).toMatch(/rate limit/);
  });

  it('when the CRM answers 429 on the last receive, then the change is deferred and shows pending, not given up', async () => {
    const { connector } = recordingConnector();
    const { lane, writes } = laneWith(connector, { status: 429, maxReceiveCount: 8 });
    expect(await lane.submit(connection, change('A', 1), 8)).toMatchObject({ kind: 'deferred' });
    expect(writes[0]!.status).toMatchObject({ state: 'pending' });
    expect(writes[0]!.status.lastError).not.toMatch(/gave up/);
  });

  it('when a change has waited for the rate limit longer than the bound, then a 429 is a failed attempt, and on the last receive the lead shows failed', async () => {
    const { connector, batches } = recordingConnector();
    const { lane, writes } = laneWith(connector, { status: 429, maxReceiveCount: 8 });
    const minuteAgo = Date.now() - 60_000;

    const [within, beyond, last] = await Promise.all([
      lane.submit(connection, change('A', 1), 1, Date.now() - 1_000),
      lane.submit(connection, change('B', 1), 1, minuteAgo),
      lane.submit(connection, change('C', 1), 8, minuteAgo),
    ]);

    expect(batches).toHaveLength(1);
    expect(within).toMatchObject({ kind: 'deferred', delaySeconds: 4 });
    expect(beyond).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(/^still rate limited after waiting 60 s: .*429/),
    });
    expect(last).toMatchObject({ kind: 'retry' });
    const states = Object.fromEntries(writes.map((w) => [w.leadId, w.status]));
    expect(states.A).toMatchObject({ state: 'pending' });
    expect(states.B).toMatchObject({ state: 'pending' });
    expect(states.C).toMatchObject({ state: 'failed' });
    expect(states.C!.lastError).toMatch(/gave up after 8 attempts.*still rate limited/);
  });

  it('when the CRM rejects cached credentials that were rotated since, then they are read again and the change passes', async () => {
    const { credentials, secret } = cachedCredentials('revoked', 'rotated');
    const { connector, batches } = recordingConnector({
      upsert: async (context, items) => {
        batches.push(items);
        return items.map((): ItemResult =>
          context.credentials.accessToken === 'rotated'
            ? { state: 'synced', externalId: 'x' }
            : { state: 'rejected', error: 'HubSpot batch upsert answered 401' },
        );
      },
    });
    const { lane, writes } = laneWith(connector, { credentials });
    expect(await lane.submit(connection, change('A', 1), 1)).toEqual({ kind: 'done' });
    expect(secret.reads).toBe(1);
    expect(batches).toHaveLength(2);
    expect(writes.map((w) => w.status.state)).toEqual(['synced']);
  });

  it('when the CRM rejects fresh credentials too, then the lead shows failed with the reason and the change goes back to the queue, to the DLQ at last', async () => {
    const { credentials, secret } = cachedCredentials('revoked', 'revoked');
    const { connector, batches } = recordingConnector({
      upsert: async (_context, items) => {
        batches.push(items);
        return items.map((): ItemResult => ({
          state: 'rejected',
          error: 'HubSpot batch upsert answered 401',
        }));
      },
    });
    const { lane, writes } = laneWith(connector, { credentials, maxReceiveCount: 8 });
    expect(await lane.submit(connection, change('A', 1), 1)).toMatchObject({ kind: 'retry' });
    expect(await lane.submit(connection, change('B', 1), 8)).toMatchObject({ kind: 'retry' });
    expect(secret.reads).toBe(2);
    expect(batches).toHaveLength(4);
    expect(writes.map((w) => [w.leadId, w.status.state, w.status.lastError])).toEqual([
      ['A', 'failed', 'HubSpot batch upsert answered 401'],
      [
        'B',
        'failed',
        'gave up after 8 attempts, the change is in the dead-letter queue: HubSpot batch upsert answered 401',
      ],
    ]);
  });

  it('when the last attempt fails, then the lead shows failed before the message goes to the DLQ', async () => {
    const failing = recordingConnector({
      upsert: async (_context, items) =>
        items.map((): ItemResult => ({ state: 'retry', error: 'HubSpot answered 503' })),
    });
    const { lane, writes } = laneWith(failing.connector, { maxReceiveCount: 8 });
    expect(await lane.submit(connection, change('A', 3), 3)).toMatchObject({ kind: 'retry' });
    expect(await lane.submit(connection, change('B', 1), 8)).toMatchObject({ kind: 'retry' });
    expect(writes.map((w) => [w.leadId, w.status.state])).toEqual([
      ['A', 'pending'],
      ['B', 'failed'],
    ]);
    expect(writes[1]!.status.lastError).toMatch(/gave up after 8 attempts.*503/);
  });

  it('when the rate limit cannot clear a backlog in time, then the overflow goes back to the queue, delayed', async () => {
    const { connector, batches } = recordingConnector({
      maxBatch: 1,
      requestsPerBatch: 3,
      defaultLimit: { max: 4, intervalMs: 1_000 },
    });
    const { lane } = laneWith(connector, { maxQueueWaitMs: 1_500 });
    const outcomes: SyncOutcome[] = await Promise.all(
      Array.from({ length: 12 }, (_, i) => lane.submit(connection, change(`L${i}`, 1), 1)),
    );
    const released = outcomes.filter((o) => o.kind === 'deferred');
    expect(released.length).toBeGreaterThan(0);
    expect(released.every((o) => o.kind === 'deferred' && o.delaySeconds >= 1)).toBe(true);
    expect(batches.length + released.length).toBe(12);
  });

  it('when the CRM is slow to answer and every batch slot is taken, then the backlog the lane cannot start on soon goes back to the queue, delayed, instead of holding its messages', async () => {
    const { connector } = recordingConnector({ maxBatch: 1 });
    // The rate limit would let every change go at once; only the CRM's slowness holds them.
    const { lane, sent } = laneWith(connector, { maxQueueWaitMs: 300, answerAfterMs: 2_000 });
    const settled: SyncOutcome[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        lane.submit(connection, change(`L${i}`, 1), 1).then((o) => settled.push(o)),
      ),
    );
    // Four batches in flight (the lane's concurrency); the other eight go back before any answer.
    expect(sent()).toBe(4);
    expect(settled.slice(0, 8)).toEqual(
      Array.from({ length: 8 }, () =>
        expect.objectContaining({
          kind: 'deferred',
          error: expect.stringMatching(/CRM to answer/),
          delaySeconds: expect.any(Number),
        }),
      ),
    );
    expect(settled.slice(8)).toEqual(Array.from({ length: 4 }, () => ({ kind: 'done' })));
  });

  it('when a request got no answer, then the retry comes back no sooner than the hold that attempt left on the lead, so that it is a real attempt', async () => {
    const { connector } = recordingConnector({
      upsert: async (_context, items) =>
        items.map((): ItemResult => ({
          state: 'retry',
          error: 'no answer within 300 ms',
          unanswered: true,
        })),
    });
    const { lane, writes } = laneWith(connector, { leaseMs: 5_000 });
    expect(await lane.submit(connection, change('A', 1), 1)).toEqual({
      kind: 'retry',
      error: 'no answer within 300 ms',
      delaySeconds: 5 + CLAIM_MARGIN_MS / 1000,
    });
    expect(writes[0]!.status).toMatchObject({ state: 'pending', unanswered: true });
  });

  it('when a change has waited past the bound for another attempt’s hold on its lead, then the wait is a failed attempt that comes back when the hold ends', async () => {
    const { connector, batches } = recordingConnector();
    const recorded = new Map([['A', claimedAs(1, 10_000)]]);
    const { lane, writes } = laneWith(connector, { recorded });
    const twoMinutesAgo = Date.now() - 120_000;
    expect(await lane.submit(connection, change('A', 2), 1, twoMinutesAgo)).toEqual({
      kind: 'retry',
      error: expect.stringMatching(/^still held by another attempt after waiting 2 min: /),
      delaySeconds: 50 + CLAIM_MARGIN_MS / 1000,
    });
    expect(batches).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('when the CRM answers 429 with Retry-After: 0, then the change still waits a second, not re-sent at once', async () => {
    const { connector } = recordingConnector({
      rateLimitedFor: (response) => (response.status === 429 ? 0 : undefined),
    });
    const { lane } = laneWith(connector, { status: 429 });
    expect(await lane.submit(connection, change('A', 1), 1)).toMatchObject({
      kind: 'deferred',
      delaySeconds: 1,
    });
  });

  it('when draining, then queued changes go at once instead of lingering', async () => {
    const { connector, batches } = recordingConnector();
    const { lane } = laneWith(connector);
    const pending = lane.submit(connection, change('A', 1), 1);
    lane.drain();
    await pending;
    expect(batches).toHaveLength(1);
  });
});
