import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { enterTenant, QueueConsumer, RetryLater, type Logger } from '@leadflow/core';
import type { SyncDispatcher } from './dispatcher';
import { parseLeadEvent, withWaitingSince } from './sync-event';
import type { SyncService } from './sync.service';

export interface SyncWorkerOptions {
  sqs: SQSClient;
  queueUrl: string;
  service: SyncService;
  dispatcher: SyncDispatcher;
  logger: Logger;
  concurrency: number;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds: number;
  retryDelaySeconds: (receiveCount: number) => number;
}

/** A poison message comes back after this, until maxReceiveCount sends it to the DLQ. */
const POISON_RETRY_SECONDS = 1;

/** SQS's longest DelaySeconds; a longer rate-limit wait is deferred again when it comes back. */
const MAX_DELAY_SECONDS = 900;

/**
 * The crm-sync worker: one QueueConsumer with many messages in flight, each waiting for its
 * per-connection batches. Stopping drains: lanes send what they hold, the consumer finishes
 * its messages and deletes the done ones.
 */
export class SyncWorker {
  private readonly consumer: QueueConsumer;

  constructor(private readonly options: SyncWorkerOptions) {
    this.consumer = new QueueConsumer({
      name: 'crm-sync',
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      logger: options.logger,
      concurrency: options.concurrency,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      waitTimeSeconds: options.waitTimeSeconds,
      retryDelaySeconds: options.retryDelaySeconds,
      handleMessage: async (message) => {
        let event;
        try {
          event = parseLeadEvent(message.body);
        } catch (error) {
          options.logger.error(
            { err: error, messageId: message.messageId, receiveCount: message.receiveCount },
            'poison message: it cannot be synced and will end in the dead-letter queue',
          );
          throw new RetryLater(POISON_RETRY_SECONDS);
        }
        enterTenant(event.detail.tenantId);
        const result = await options.service.sync(event, message.receiveCount);
        if (result.kind === 'deferred')
          await this.requeue(
            withWaitingSince(message.body, event.waitingSince ?? Date.now()),
            result.delaySeconds,
          );
      },
    });
  }

  /**
   * A change that only waits (for a CRM's rate limit, a slow CRM, another attempt's hold) goes
   * back to the queue as a new, delayed message, and the consumer deletes this one: waiting is
   * no failure, and a visibility delay would count a receive towards the DLQ. Consumers are
   * idempotent, so a copy left behind by a failed delete does no harm. The copy carries when the
   * change began to wait, which bounds it.
   */
  private async requeue(body: string, delaySeconds: number): Promise<void> {
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: body,
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds)),
        }),
      );
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not re-queue a change waiting for a CRM; it waits by visibility',
      );
      throw new RetryLater(delaySeconds);
    }
  }

  start(): void {
    this.consumer.start();
  }

  async stop(): Promise<void> {
    this.options.dispatcher.drain();
    await this.consumer.stop();
  }

  get busy(): number {
    return this.consumer.busy;
  }
}
