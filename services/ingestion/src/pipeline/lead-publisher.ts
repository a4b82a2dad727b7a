import type { LeadReceived } from '@leadflow/contracts';
import {
  AppError,
  dependencyUnavailable,
  PublishError,
  type EventPublisher,
  type Logger,
} from '@leadflow/core';
import type { IngestionMetrics } from './metrics';

/** A 503 that asks the client to send the same request again later; nothing was recorded. */
export function unavailable(
  cause?: unknown,
  detail = 'The lead could not be handed over in time and was not recorded; send it again after Retry-After',
): AppError {
  return dependencyUnavailable(detail, cause);
}

const leadReceivedEvent = (detail: LeadReceived) => ({ detailType: 'lead.received', detail });

/**
 * Hands lead.received events to EventBridge through the process's one micro-batching
 * publisher, each within its request's budget. A lead counts as accepted only once
 * EventBridge accepted its entry; otherwise the caller gets a 503 and nothing was published.
 */
export class LeadPublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly budgetMs: number,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
  ) {}

  /** The epoch ms by which a request that starts now must have its events accepted. */
  deadlineFrom(startedAt: number): number {
    return startedAt + this.budgetMs;
  }

  async publish(event: LeadReceived, deadline: number): Promise<void> {
    try {
      await this.publisher.publish(leadReceivedEvent(event), { deadline });
      this.metrics.increment('accepted');
    } catch (error) {
      throw this.failed(error);
    }
  }

  /** Whether EventBridge takes the lead's event (at most 256 KiB); one it does not, no retry helps. */
  fits(event: LeadReceived): boolean {
    return this.publisher.fits(leadReceivedEvent(event));
  }

  /** Publishes several leads; each result says whether that lead was accepted. */
  async publishAll(
    events: LeadReceived[],
    deadline: number,
  ): Promise<Array<{ accepted: true } | { accepted: false; error: AppError }>> {
    const settled = await this.publisher.publishAll(events.map(leadReceivedEvent), { deadline });
    return settled.map((result) => {
      if (result.status === 'fulfilled') {
        this.metrics.increment('accepted');
        return { accepted: true as const };
      }
      return { accepted: false as const, error: this.failed(result.reason) };
    });
  }

  private failed(error: unknown): AppError {
    if (!(error instanceof PublishError)) throw error;
    if (error.errorCode === 'TooLarge')
      return new AppError('payload_too_large', 'The lead makes an event over 256 KiB', {
        cause: error,
      });
    this.metrics.increment('publishFailed');
    this.logger.warn({ code: error.errorCode }, 'lead not accepted by EventBridge within budget');
    return unavailable(error);
  }
}
