import { createLogger, RetryLater } from '@leadflow/core';
import type { SyncOutcome } from '../connection-lane';
import type { LeadEvent } from '../sync-event';
import { SyncService } from '../sync.service';
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

/** One connection, whose lane answers `outcome`; the backoff is 2 s. */
function serviceAnswering(outcome: SyncOutcome): SyncService {
  return new SyncService({
    connections: { enabled: async () => [connection] },
    dispatcher: { submit: async () => outcome },
    statuses: { recordUnchanged: async () => true },
    logger: createLogger({ service: 'test', level: 'silent' }),
    retryDelaySeconds: () => 2,
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
});
