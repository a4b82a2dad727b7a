import type { CrmConnectionItem, SyncStatusItem } from '@leadflow/contracts';
import { createLogger } from '@leadflow/core';
import type { Connector, ItemResult, SyncItem } from '../../connectors/connector';
import type { CrmResponse } from '../../connectors/crm-http';
import { ConnectionLane, type LaneDeps, type SyncOutcome } from '../connection-lane';
import type { StatusWrite } from '../sync-status.repository';

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

function laneWith(
  connector: Connector,
  options: {
    recorded?: Map<string, SyncStatusItem>;
    status?: number;
    maxQueueWaitMs?: number;
    maxReceiveCount?: number;
  } = {},
) {
  const writes: Array<{ leadId: string; status: StatusWrite }> = [];
  const deps: LaneDeps = {
    connector,
    credentials: { get: async () => ({}), invalidate: () => undefined },
    statuses: {
      read: async () => options.recorded ?? new Map(),
      write: async (_tenant, leadId, status) => {
        writes.push({ leadId, status });
        return { written: true };
      },
    },
    http: {
      send: async (): Promise<CrmResponse> => ({
        status: options.status ?? 200,
        headers: {},
        text: '',
        body: undefined,
        errorSummary: undefined,
      }),
    },
    logger: createLogger({ service: 'test', level: 'silent' }),
    settings: { lingerMs: 30, maxQueueWaitMs: options.maxQueueWaitMs ?? 5_000, concurrency: 4 },
    maxReceiveCount: async () => options.maxReceiveCount,
  };
  return { lane: new ConnectionLane(connection, deps), writes };
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
      [
        'A',
        {
          connectionId: 'c1',
          crmType: 'hubspot',
          state: 'synced',
          leadVersion: 2,
          lastAttemptAt: 'x',
        },
      ],
      [
        'B',
        {
          connectionId: 'c1',
          crmType: 'hubspot',
          state: 'pending',
          leadVersion: 5,
          lastAttemptAt: 'x',
        },
      ],
    ]);
    const { lane, writes } = laneWith(connector, { recorded });
    await Promise.all([
      lane.submit(connection, change('A', 2), 1),
      lane.submit(connection, change('B', 4), 1),
    ]);
    expect(batches).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('when the CRM answers 429, then the change goes back with its Retry-After and shows pending', async () => {
    const { connector } = recordingConnector();
    const { lane, writes } = laneWith(connector, { status: 429 });
    const outcome = await lane.submit(connection, change('A', 1), 1);
    expect(outcome).toMatchObject({ kind: 'retry', delaySeconds: 4 });
    expect(writes[0]!.status).toMatchObject({ state: 'pending', leadVersion: 1 });
    expect(writes[0]!.status.lastError).toMatch(/rate limit/);
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
    const released = outcomes.filter((o) => o.kind === 'retry');
    expect(released.length).toBeGreaterThan(0);
    expect(released.every((o) => o.kind === 'retry' && (o.delaySeconds ?? 0) >= 1)).toBe(true);
    expect(batches.length + released.length).toBe(12);
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
