import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, type DynamoDBDocumentClient } from '../aws/dynamo';
import type { Logger } from '../logger';

interface WindowCount {
  windowStart: number;
  /** The shared total DynamoDB last reported for this window (every task's hits). */
  shared: number;
  /** Hits counted here and not yet added to the shared total. */
  unsynced: number;
  /** Hits on their way to the shared total: counted until its answer includes them. */
  syncing: number;
}

/** Every task's hits on a key in the current window, as far as this task knows them. */
export interface WindowHits {
  totalHits: number;
  /** Epoch ms at which the window ends and counting starts again. */
  resetAt: number;
}

export interface DynamoRateLimitStoreOptions {
  client: DynamoDBDocumentClient;
  table: string;
  /** Distinguishes limiters that share the table. */
  prefix: string;
  logger: Logger;
  /** Fixed windows of this length (ms). */
  windowMs: number;
  /** How often local counts are added to the shared counters. */
  syncIntervalMs?: number;
  maxConcurrentSyncs?: number;
}

/**
 * Fixed-window hit counters shared by every task through DynamoDB, without a round trip per
 * request: hits are counted locally and added to the shared counter in the background, which
 * answers with every task's total. A burst can overshoot the limit by what the other tasks
 * counted during one sync interval; the WAF's rate rules stand in front of that.
 */
export class DynamoRateLimitStore {
  private readonly windowMs: number;
  private readonly counts = new Map<string, WindowCount>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> | undefined;

  constructor(private readonly options: DynamoRateLimitStoreOptions) {
    this.windowMs = options.windowMs;
    this.timer = setInterval(() => void this.sync(), options.syncIntervalMs ?? 500);
    this.timer.unref();
  }

  private current(key: string): WindowCount {
    const windowStart = Math.floor(Date.now() / this.windowMs) * this.windowMs;
    let count = this.counts.get(key);
    if (!count || count.windowStart !== windowStart) {
      count = { windowStart, shared: 0, unsynced: 0, syncing: 0 };
      this.counts.set(key, count);
    }
    return count;
  }

  /** Counts one hit on `key`; synchronous, so a request never waits on DynamoDB. */
  increment(key: string): WindowHits {
    const count = this.current(key);
    count.unsynced += 1;
    return {
      totalHits: count.shared + count.syncing + count.unsynced,
      resetAt: count.windowStart + this.windowMs,
    };
  }

  /** Adds local counts to the shared counters, joining a sync already running. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * Adds every hit counted so far to the shared counters. A sync already running took only
   * the hits counted before it started, so this waits for it and syncs again.
   */
  async flush(): Promise<void> {
    await this.syncing;
    await this.sync();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async syncOnce(): Promise<void> {
    const now = Date.now();
    const due: Array<[string, WindowCount]> = [];
    for (const [key, count] of this.counts) {
      if (count.windowStart + this.windowMs <= now && count.unsynced === 0) this.counts.delete(key);
      else if (count.unsynced !== 0) due.push([key, count]);
    }
    const parallel = this.options.maxConcurrentSyncs ?? 16;
    for (let i = 0; i < due.length; i += parallel) {
      await Promise.all(due.slice(i, i + parallel).map(([key, count]) => this.syncKey(key, count)));
    }
  }

  private async syncKey(key: string, count: WindowCount): Promise<void> {
    const delta = count.unsynced;
    count.unsynced -= delta;
    count.syncing += delta;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { PK: `RL#${this.options.prefix}${key}`, SK: String(count.windowStart) },
          UpdateExpression: 'ADD hits :delta SET expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':delta': delta,
            ':expiresAt': epochSeconds(count.windowStart + 2 * this.windowMs),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const hits = result.Attributes?.hits;
      if (typeof hits === 'number') count.shared = Math.max(count.shared, hits);
      else count.shared += delta;
    } catch (error) {
      count.unsynced += delta;
      this.options.logger.warn(
        { err: error },
        'rate-limit counters not synced; counting locally until the next sync',
      );
    } finally {
      count.syncing -= delta;
    }
  }
}
