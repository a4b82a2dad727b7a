import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../logger';
import { runWithContext } from '../request-context';

export interface QueueMessage {
  messageId: string;
  body: string;
  /** How many times SQS has handed this message out, this time included. */
  receiveCount: number;
}

/** What to do with a message the handler did not finish: try again, after a delay. */
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    message = `retry in ${delaySeconds}s`,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface ConsumerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  /** Resolve when the message's work is durable; throw to leave it for redelivery. */
  handleMessage: (message: QueueMessage) => Promise<void>;
  /** Messages worked on at once. */
  concurrency?: number;
  waitTimeSeconds?: number;
  /** The visibility each heartbeat renews; the queue's own timeout by default. */
  visibilityTimeoutSeconds?: number;
  /** Backoff for failed messages: receiveCount → seconds invisible. */
  retryDelaySeconds?: (receiveCount: number) => number;
}

/** How long a redrive policy read is used: a changed maxReceiveCount applies without a restart. */
const REDRIVE_POLICY_TTL_MS = 5 * 60_000;

/** The queue's maxReceiveCount, from its redrive policy, read again every few minutes. */
export function redrivePolicyReader(sqs: SQSClient, queueUrl: string, now = Date.now) {
  let known: Promise<number | undefined> | undefined;
  let readAt = 0;
  const read = () =>
    sqs
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
  return (): Promise<number | undefined> => {
    if (!known || now() - readAt >= REDRIVE_POLICY_TTL_MS) {
      readAt = now();
      known = read();
    }
    return known;
  };
}

const MAX_BATCH = 10;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

function defaultRetryDelay(receiveCount: number): number {
  return Math.min(300, 2 ** Math.min(receiveCount, 8));
}

/**
 * Long-polls a queue with bounded concurrency. A message is deleted only after its handler
 * resolved; a failed message is made visible again after a backoff and ends in the DLQ after
 * the queue's maxReceiveCount. Long work keeps its message invisible by heartbeat.
 */
export class QueueConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pendingDeletes: Array<{ Id: string; ReceiptHandle: string }> = [];
  private deleteTimer: NodeJS.Timeout | undefined;
  private slotFreed: (() => void) | undefined;
  private readonly concurrency: number;
  private readonly visibilityTimeoutSeconds: number;
  private readonly maxReceiveCount: () => Promise<number | undefined>;

  constructor(private readonly options: ConsumerOptions) {
    this.concurrency = options.concurrency ?? 10;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 60;
    this.maxReceiveCount = redrivePolicyReader(options.sqs, options.queueUrl);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pollLoop();
  }

  /**
   * Stops receiving, finishes the messages in flight and deletes the done ones. The poll in
   * progress is not aborted: SQS would still hand it messages, hidden until their visibility
   * ends. It finishes (within waitTimeSeconds) and what it brings is released at once.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.slotFreed?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.flushDeletes();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const messages = await this.receive(Math.min(MAX_BATCH, free));
        if (this.running) for (const message of messages) this.track(message);
        else await this.release(messages);
      } catch (error) {
        if (!this.running) break;
        this.options.logger.error(
          { err: error, queue: this.options.name },
          'receive failed; retrying',
        );
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async receive(max: number): Promise<Message[]> {
    const response = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return response.Messages ?? [];
  }

  private async release(messages: Message[]): Promise<void> {
    await Promise.all(messages.map((m) => this.changeVisibility(m.ReceiptHandle ?? '', 0)));
  }

  private track(message: Message): void {
    const work = this.process(message).finally(() => {
      this.inFlight.delete(work);
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    });
    this.inFlight.add(work);
  }

  private async process(message: Message): Promise<void> {
    const {
      MessageId: messageId = '',
      ReceiptHandle: receiptHandle = '',
      Body: body = '',
    } = message;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const heartbeat = this.startHeartbeat(receiptHandle);
    try {
      await runWithContext({ requestId: messageId }, () =>
        this.options.handleMessage({ messageId, body, receiveCount }),
      );
      this.scheduleDelete(messageId, receiptHandle);
    } catch (error) {
      // After its last attempt a message goes to the DLQ now, not after one more backoff: what
      // it failed for (a lead's sync status) already says it is there.
      const delay = (await this.isLastAttempt(receiveCount))
        ? 0
        : error instanceof RetryLater
          ? error.delaySeconds
          : (this.options.retryDelaySeconds ?? defaultRetryDelay)(receiveCount);
      if (!(error instanceof RetryLater)) {
        this.options.logger.warn(
          { err: error, messageId, receiveCount, queue: this.options.name },
          'message failed; it will be redelivered',
        );
      }
      await this.changeVisibility(receiptHandle, delay);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async isLastAttempt(receiveCount: number): Promise<boolean> {
    return receiveCount >= ((await this.maxReceiveCount()) ?? Infinity);
  }

  private startHeartbeat(receiptHandle: string): NodeJS.Timeout {
    const everyMs = Math.max(1, this.visibilityTimeoutSeconds / 2) * 1000;
    const timer = setInterval(
      () => void this.changeVisibility(receiptHandle, this.visibilityTimeoutSeconds),
      everyMs,
    );
    timer.unref();
    return timer;
  }

  private async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds))),
        }),
      );
    } catch (error) {
      // The message simply reappears when its current visibility ends.
      this.options.logger.warn(
        { err: error, queue: this.options.name },
        'could not change message visibility',
      );
    }
  }

  private scheduleDelete(id: string, receiptHandle: string): void {
    this.pendingDeletes.push({
      Id: id || String(this.pendingDeletes.length),
      ReceiptHandle: receiptHandle,
    });
    if (this.pendingDeletes.length >= MAX_BATCH) void this.flushDeletes();
    else if (!this.deleteTimer) this.deleteTimer = setTimeout(() => void this.flushDeletes(), 20);
  }

  private async flushDeletes(): Promise<void> {
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    while (this.pendingDeletes.length > 0) {
      const entries = this.pendingDeletes.splice(0, MAX_BATCH);
      try {
        const result = await this.options.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
        );
        for (const failed of result.Failed ?? []) {
          this.options.logger.warn(
            { messageId: failed.Id, code: failed.Code },
            'delete failed; the message will be redelivered and must be handled idempotently',
          );
        }
      } catch (error) {
        this.options.logger.warn(
          { err: error, queue: this.options.name },
          'delete batch failed; messages will be redelivered',
        );
      }
    }
  }
}
