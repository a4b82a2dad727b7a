import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, type DynamoDBDocumentClient } from '../aws/dynamo';
import type { Logger } from '../logger';

interface WindowCount {
  windowStart: number;
  /** The shared total DynamoDB last reported for this window (every task's hits). */
  shared: number;
  /** This task's hits DynamoDB holds for this window. */
  stored: number;
  /** Hits counted here and not yet added to the shared total. */
  unsynced: number;
  /** Hits on their way to the shared total: counted until its answer includes them. */
  syncing: number;
}

/** Each task's hits are one attribute of the window's item: `t_<task>`. */
const TASK_ATTRIBUTE = 't_';

/** Every task's hits in a window item (and `hits`, which tasks before per-task totals added to). */
function sharedTotal(item: Record<string, unknown> | undefined): number | undefined {
  if (!item) return undefined;
  let total = 0;
  for (const [name, value] of Object.entries(item))
    if ((name === 'hits' || name.startsWith(TASK_ATTRIBUTE)) && typeof value === 'number')
      total += value;
  return total;
}

/** Every task's hits on a key in the current window, as far as this task knows them. */
export interface WindowHits {
  totalHits: number;
  /** Epoch ms at which the window ends and counting starts again. */
  resetAt: number;
}

const hitsOf = (count: WindowCount, windowMs: number): WindowHits => ({
  totalHits: count.shared + count.syncing + count.unsynced,
  resetAt: count.windowStart + windowMs,
});

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
 * request: hits are counted locally and written in the background, which answers with every
 * task's total. Each task sets its own total for the window rather than adding to a shared
 * one, so a write the SDK sends again, or one whose answer was lost, never counts twice. A
 * burst can overshoot the limit by what the other tasks counted during one sync interval; the
 * WAF's rate rules stand in front of that.
 */
export class DynamoRateLimitStore {
  private readonly windowMs: number;
  private readonly counts = new Map<string, WindowCount>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> | undefined;
  private readonly taskAttribute = `${TASK_ATTRIBUTE}${randomUUID()}`;

  constructor(private readonly options: DynamoRateLimitStoreOptions) {
    this.windowMs = options.windowMs;
    this.timer = setInterval(() => void this.sync(), options.syncIntervalMs ?? 500);
    this.timer.unref();
  }

  private windowStart(): number {
    return Math.floor(Date.now() / this.windowMs) * this.windowMs;
  }

  private current(key: string): WindowCount {
    const windowStart = this.windowStart();
    let count = this.counts.get(key);
    if (!count || count.windowStart !== windowStart) {
      count = { windowStart, shared: 0, stored: 0, unsynced: 0, syncing: 0 };
      this.counts.set(key, count);
    }
    return count;
  }

  /** Counts one hit on `key`; synchronous, so a request never waits on DynamoDB. */
  increment(key: string): WindowHits {
    const count = this.current(key);
    count.unsynced += 1;
    return hitsOf(count, this.windowMs);
  }

  /** The hits on `key` so far in the window, without counting one. */
  hits(key: string): WindowHits {
    const windowStart = this.windowStart();
    const count = this.counts.get(key);
    if (count?.windowStart === windowStart) return hitsOf(count, this.windowMs);
    return { totalHits: 0, resetAt: windowStart + this.windowMs };
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
    const ours = count.stored + delta;
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { PK: `RL#${this.options.prefix}${key}`, SK: String(count.windowStart) },
          UpdateExpression: 'SET #task = :ours, expiresAt = :expiresAt',
          ExpressionAttributeNames: { '#task': this.taskAttribute },
          ExpressionAttributeValues: {
            ':ours': ours,
            ':expiresAt': epochSeconds(count.windowStart + 2 * this.windowMs),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      count.stored = ours;
      count.shared = Math.max(count.shared, sharedTotal(result.Attributes) ?? count.shared + delta);
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
