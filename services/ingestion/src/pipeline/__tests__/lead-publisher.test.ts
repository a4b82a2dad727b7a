import { createLogger, EventPublisher, isAppError } from '@leadflow/core';
import { leadReceived } from '../lead-event';
import { LeadPublisher } from '../lead-publisher';
import { IngestionMetrics } from '../metrics';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A lead whose event EventBridge could never take: over 256 KiB. */
const oversized = leadReceived(
  {
    tenantId: 't1',
    source: 'api',
    fields: { email: 'big@example.com' },
    custom: { notes: 'x'.repeat(300 * 1024) },
    context: { consents: [] },
    isTest: false,
  },
  new Date(),
);

describe('LeadPublisher', () => {
  const publisher = new LeadPublisher(
    new EventPublisher({
      client: {
        send: () => Promise.reject(new Error('an event over 256 KiB must never be sent')),
      },
      busName: 'bus',
      source: 'leadflow.ingestion',
      logger,
    }),
    1_000,
    new IngestionMetrics(),
    logger,
  );

  it('when a lead’s event is over 256 KiB, then it does not fit, and publishing it is a 413, not a 503 a retry could not fix', async () => {
    expect(publisher.fits(oversized)).toBe(false);
    const refused = await publisher
      .publish(oversized, Date.now() + 1_000)
      .catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe('payload_too_large');
  });
});
