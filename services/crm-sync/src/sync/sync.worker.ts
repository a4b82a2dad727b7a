import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { enterTenant, QueueConsumer, RetryLater, type Logger } from '@leadflow/core';
import type { SyncDispatcher } from './dispatcher';
import { parseLeadEvent } from './sync-event';
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

/** The queue's maxReceiveCount, read once from its redrive policy. */
export function redrivePolicyReader(sqs: SQSClient, queueUrl: string) {
  let known: Promise<number | undefined> | undefined;
  return (): Promise<number | undefined> => {
    known ??= sqs
      .send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
      )
      .then(({ Attributes }) => {
        const policy = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as {
          maxReceiveCount?: unknown;
        };
        const count = Number(policy.maxReceiveCount);
        return Number.isInteger(count) && count > 0 ? count : undefined;
      })
      .catch(() => {
        known = undefined;
        return undefined;
      });
    return known;
  };
}

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
        await options.service.sync(event, message.receiveCount);
      },
    });
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
