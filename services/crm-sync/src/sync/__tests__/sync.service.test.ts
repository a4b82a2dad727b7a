import { createLogger, RetryLater } from '@leadflow/core';
import type { UnchangedOutcome } from '../sync-status.repository';
import type { SyncOutcome } from '../connection-lane';
import type { LeadEvent } from '../sync-event';
import { deletionRecheckSeconds, SyncService } from '../sync.service';
import { testConnection } from '../../connectors/__tests__/fixtures';

const connection = testConnection('webhook', {});

const erasure: LeadEvent = {
  detailType: 'lead.erased',
  detail: {
    eventId: '01J00000000000000000000000',
    tenantId: 't1',
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
    leadId: 'L1',
    version: 2,
  },
};

const deletion: LeadEvent = { detailType: 'lead.deleted', detail: erasure.detail };

const MAX_WAIT_MS = 60_000;

/**
 * One connection, whose lane answers `outcome` and whose status answers `unchanged` to a
 * deletion; the backoff is 2 s.
 */
function serviceAnswering(
  outcome: SyncOutcome,
  unchanged: UnchangedOutcome = 'recorded',
): SyncService {
  return new SyncService({
    connections: { enabled: async () => [connection], all: async () => [connection] },
    dispatcher: { submit: async () => outcome },
    statuses: {
      recordUnchanged: async () => unchanged,
      connectionsOf: async () => new Set<string>(),
    },
    logger: createLogger({ service: 'test', level: 'silent' }),
    retryDelaySeconds: () => 2,
    maxWaitMs: MAX_WAIT_MS,
  });
}

describe('SyncService', () => {
  it('when a connection’s retry must not come back before a moment, then the message waits for it, not only the backoff', async () => {
    const service = serviceAnswering({ kind: 'retry', error: 'no answer', delaySeconds: 61 });
    const thrown = await service.sync(erasure, 1).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(RetryLater);
    expect(thrown).toMatchObject({ delaySeconds: 61 });
  });

  it('when a connection fails with no such moment, then the message waits the backoff', async () => {
    const service = serviceAnswering({ kind: 'retry', error: 'answered 503' });
    await expect(service.sync(erasure, 1)).rejects.toMatchObject({ delaySeconds: 2 });
  });

  describe('a deletion', () => {
    const done = { kind: 'done' } as const;
    const noCrmCall: SyncOutcome = { kind: 'retry', error: 'a deletion must not reach the CRM' };

    it('when it is recorded, or can never be, then it is done without a CRM call', async () => {
      await expect(serviceAnswering(noCrmCall, 'recorded').sync(deletion, 1)).resolves.toEqual(
        done,
      );
      await expect(serviceAnswering(noCrmCall, 'gap').sync(deletion, 1)).resolves.toEqual(done);
    });

    it('when an older version is still on its way to the CRM, then it waits for it, longer each time', async () => {
      const service = serviceAnswering(noCrmCall, 'wait');
      await expect(service.sync(deletion, 1)).resolves.toEqual({
        kind: 'deferred',
        delaySeconds: 2,
      });
      const waitingSince = Date.now() - 20_000;
      await expect(service.sync({ ...deletion, waitingSince }, 1)).resolves.toEqual({
        kind: 'deferred',
        delaySeconds: 20,
      });
    });

    it('when it has waited as long as a change may wait for its CRM, then it gives up, leaving the gap', async () => {
      const waitingSince = Date.now() - MAX_WAIT_MS;
      await expect(
        serviceAnswering(noCrmCall, 'wait').sync({ ...deletion, waitingSince }, 1),
      ).resolves.toEqual(done);
    });

    it('looks again after as long as it waited, from 2 s to 5 min', () => {
      expect([0, 1_500, 20_000, 10 * 60_000].map(deletionRecheckSeconds)).toEqual([2, 2, 20, 300]);
    });
  });
});
