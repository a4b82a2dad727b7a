import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { Logger } from '../logger';

export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_BYTES_PER_CALL = 256 * 1024;

export interface EventToPublish {
  detailType: string;
  detail: object;
}

export interface PublishOptions {
  /** Epoch ms after which the entry is given up on (the caller's request budget). */
  deadline?: number;
}

/**
 * The one call the publisher makes; an EventBridgeClient is one. No per-call options: with
 * none, a client created with `cacheMiddleware` reuses its resolved middleware stack, which
 * saves a fifth of the SDK's CPU per call.
 */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

export interface PublisherOptions {
  client: PutEventsSender;
  busName: string;
  source: string;
  logger: Logger;
  /** How long the first entry of a batch waits for company. */
  lingerMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  maxConcurrentCalls?: number;
}

/** An entry EventBridge did not accept, after every retry the deadline allowed. */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly detailType: string,
    readonly errorCode: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

interface Pending {
  entry: PutEventsRequestEntry;
  bytes: number;
  attempts: number;
  deadline: number;
  resolve: () => void;
  reject: (error: PublishError) => void;
}

/** Bytes EventBridge counts against its 256 KiB limit (its documented calculation, without Time). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = 0;
  for (const part of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (part) size += Buffer.byteLength(part, 'utf8');
  }
  return size;
}

/**
 * The call's answer, or a TimeoutError once `ms` have passed. A call still unanswered then is
 * abandoned, not aborted (aborting could not take back what AWS already received either): its
 * entries are failed as at a timeout, and the client's per-attempt timeout ends the call.
 */
function answeredWithin<T>(call: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms)) return call;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`EventBridge did not answer within ${ms} ms`);
      error.name = 'TimeoutError';
      reject(error);
    }, ms);
  });
  call.catch(() => undefined);
  return Promise.race([call, expired]).finally(() => clearTimeout(timer));
}

const NON_RETRYABLE = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'AccessDeniedException',
  'ValidationException',
]);

/**
 * Micro-batches entries into PutEvents calls (10 entries, 256 KiB), retries the entries
 * EventBridge reports as failed with backoff, and settles each caller's promise only once
 * its own entry was accepted — or definitely was not.
 */
export class EventPublisher {
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retrying = new Set<NodeJS.Timeout>();
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxConcurrentCalls: number;

  constructor(private readonly options: PublisherOptions) {
    this.lingerMs = options.lingerMs ?? 3;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseBackoffMs = options.baseBackoffMs ?? 25;
    this.maxBackoffMs = options.maxBackoffMs ?? 1_000;
    this.maxConcurrentCalls = options.maxConcurrentCalls ?? 32;
  }

  /** Whether EventBridge takes the event: its entry is at most 256 KiB. */
  fits(event: EventToPublish): boolean {
    return entrySize(this.entryOf(event)) <= MAX_BYTES_PER_CALL;
  }

  private entryOf(event: EventToPublish): PutEventsRequestEntry {
    return {
      EventBusName: this.options.busName,
      Source: this.options.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    };
  }

  publish(event: EventToPublish, options: PublishOptions = {}): Promise<void> {
    const entry = this.entryOf(event);
    const bytes = entrySize(entry);
    if (bytes > MAX_BYTES_PER_CALL) {
      return Promise.reject(
        new PublishError(
          `event of ${bytes} bytes exceeds EventBridge's 256 KiB limit`,
          event.detailType,
          'TooLarge',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.enqueue({
        entry,
        bytes,
        attempts: 0,
        deadline: options.deadline ?? Infinity,
        resolve,
        reject,
      });
    });
  }

  /** Publishes several events; each result says whether that event was accepted. */
  publishAll(
    events: EventToPublish[],
    options: PublishOptions = {},
  ): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(events.map((event) => this.publish(event, options)));
  }

  /** Sends everything queued and waits for every call and retry in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0 || this.retrying.size > 0) {
      this.dispatch();
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
    }
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (this.queue.length >= MAX_ENTRIES_PER_CALL) {
      this.dispatch();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => this.dispatch(), this.lingerMs);
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < MAX_ENTRIES_PER_CALL) {
      const next = this.queue[0]!;
      if (bytes + next.bytes > MAX_BYTES_PER_CALL) break;
      batch.push(this.queue.shift()!);
      bytes += next.bytes;
    }
    return batch;
  }

  private dispatch(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight.size < this.maxConcurrentCalls) {
      const call = this.send(this.takeBatch());
      this.inFlight.add(call);
      void call.finally(() => {
        this.inFlight.delete(call);
        // Entries with a linger timer wait for it or for a full batch; only those left behind
        // by the concurrency cap (which have none) go now.
        if (this.queue.length > 0 && !this.lingerTimer) this.dispatch();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    const live = this.withinDeadline(batch);
    if (live.length === 0) return;
    const { givenUp, stop } = this.giveUpAtEachDeadline(live);
    try {
      // Until the last entry's deadline: one entry with little budget left must not cut the
      // call short for the others, which would then be sent again while it still lands.
      const response = await answeredWithin(
        this.options.client.send(new PutEventsCommand({ Entries: live.map((p) => p.entry) })),
        Math.max(...live.map((p) => p.deadline)) - Date.now(),
      );
      const results = response.Entries ?? [];
      live.forEach((pending, index) => {
        if (givenUp.has(pending)) return;
        const result = results[index];
        if (result?.EventId && !result.ErrorCode) pending.resolve();
        else this.retryOrReject(pending, result?.ErrorCode ?? 'NoResult', result?.ErrorMessage);
      });
    } catch (error) {
      const code = error instanceof Error ? error.name : 'UnknownError';
      const message = error instanceof Error ? error.message : undefined;
      for (const pending of live)
        if (!givenUp.has(pending)) this.retryOrReject(pending, code, message, error);
    } finally {
      stop();
    }
  }

  /** The entries whose deadline has not passed; the others are rejected now. */
  private withinDeadline(batch: Pending[]): Pending[] {
    const now = Date.now();
    return batch.filter((p) => {
      if (p.deadline > now) return true;
      p.reject(
        new PublishError(
          'request budget exhausted before EventBridge accepted the event',
          p.entry.DetailType ?? '',
          'DeadlineExceeded',
        ),
      );
      return false;
    });
  }

  /**
   * Rejects each entry of a call in flight when its own deadline passes (as a timeout: the call
   * may still land); the call's answer then settles only the others.
   */
  private giveUpAtEachDeadline(live: Pending[]): { givenUp: Set<Pending>; stop: () => void } {
    const givenUp = new Set<Pending>();
    const timers: NodeJS.Timeout[] = [];
    for (const pending of live) {
      if (!Number.isFinite(pending.deadline)) continue;
      const timer = setTimeout(() => {
        givenUp.add(pending);
        this.retryOrReject(
          pending,
          'TimeoutError',
          'EventBridge did not answer within the request budget',
        );
      }, pending.deadline - Date.now());
      timers.push(timer);
    }
    return { givenUp, stop: () => timers.forEach(clearTimeout) };
  }

  private retryOrReject(
    pending: Pending,
    code: string,
    message: string | undefined,
    cause?: unknown,
  ): void {
    pending.attempts += 1;
    const backoff = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (pending.attempts - 1));
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    const retryable =
      !NON_RETRYABLE.has(code) &&
      pending.attempts < this.maxAttempts &&
      Date.now() + delay < pending.deadline;
    if (!retryable) {
      this.options.logger.warn(
        { detailType: pending.entry.DetailType, code, attempts: pending.attempts },
        'event not published',
      );
      pending.reject(
        new PublishError(
          `EventBridge did not accept the event: ${code}${message ? ` (${message})` : ''}`,
          pending.entry.DetailType ?? '',
          code,
          { cause },
        ),
      );
      return;
    }
    const timer = setTimeout(() => {
      this.retrying.delete(timer);
      this.enqueue(pending);
    }, delay);
    this.retrying.add(timer);
  }
}
