import type { CrmConnectionItem, SyncState, SyncStatusItem } from '@leadflow/contracts';
import type { Logger } from '@leadflow/core';
import type { CredentialStore } from '../connections/credential-store';
import {
  ClaimExpiredError,
  operationOf,
  RateLimitedError,
  resultOfError,
  type Connector,
  type ConnectorContext,
  type ItemResult,
  type SyncItem,
  type SyncOperation,
} from '../connectors/connector';
import type { CrmHttp, CrmRequest, CrmResponse } from '../connectors/crm-http';
import {
  CLAIM_MARGIN_MS,
  type StatusWrite,
  type SyncStatusRepository,
} from './sync-status.repository';
import { TokenBucket, type Clock } from './token-bucket';

/** What became of one message's change for one connection. */
export type SyncOutcome =
  | { kind: 'done' }
  /**
   * The attempt failed: the message comes back after the backoff, towards the DLQ; not before
   * `delaySeconds`, when set, as a retry any sooner would find the lead still held.
   */
  | { kind: 'retry'; error: string; delaySeconds?: number }
  /** Nothing failed: the change waits `delaySeconds` for the CRM (its rate limit, a free slot). */
  | { kind: 'deferred'; error: string; delaySeconds: number };

export interface LaneSettings {
  /** How long the first change of a batch waits for company. */
  lingerMs: number;
  /** Longest a change waits in memory (rate limit, free slot) before going back to the queue. */
  maxQueueWaitMs: number;
  /**
   * Longest a change waits in all (rate limits, slow CRMs, holds); beyond it, each wait is a
   * failed attempt.
   */
  maxRateLimitWaitMs: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** How long a claim on a lead holds it for this task's CRM calls. */
  leaseMs: number;
  /** Budget of one CRM request: none starts that could end after the claim. */
  requestTimeoutMs: number;
}

export interface LaneDeps {
  connector: Connector;
  credentials: Pick<CredentialStore, 'get' | 'invalidate'>;
  statuses: Pick<SyncStatusRepository, 'claim' | 'write'>;
  http: Pick<CrmHttp, 'send'>;
  logger: Logger;
  settings: LaneSettings;
  /** The queue's maxReceiveCount: the last attempt records `failed` before the DLQ. */
  maxReceiveCount: () => Promise<number | undefined>;
  now?: Clock;
}

interface Pending {
  item: SyncItem;
  operation: SyncOperation;
  receiveCount: number;
  /** When the change first went back to the queue to wait. */
  waitingSince: number | undefined;
  enqueuedAt: number;
  /** The lastAttemptAt of this attempt's claim on the lead. */
  claimedAt?: string;
  /** The newest version the CRM got before this attempt, when known. */
  syncedBefore?: number;
  resolve: (outcome: SyncOutcome) => void;
}

const MAX_ERROR_LENGTH = 500;

const RATE_LIMIT_WAIT = 'waiting for the CRM rate limit';

const SLOW_CRM_WAIT = 'waiting for the CRM to answer this connection’s earlier changes';

const CLAIMED_ELSEWHERE = 'another attempt at this lead is writing to the CRM';

/** A CRM may ask for no wait at all (`Retry-After: 0`); re-sent at once, the change would loop. */
const MIN_RATE_LIMIT_WAIT_SECONDS = 1;

/** How far each finished batch moves the estimate of how long a batch holds its slot. */
const BATCH_TIME_SMOOTHING = 0.25;

/** While every slot is taken, a hung batch shows only by its age: how often to look again. */
const BUSY_RECHECK_MS = 250;

function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}

/** The error of a wait past the bound, which says what the change waited for. */
function overdueError(waitedMs: number, reason: string): string {
  const still =
    reason === SLOW_CRM_WAIT
      ? 'still behind a slow CRM'
      : reason === CLAIMED_ELSEWHERE
        ? 'still held by another attempt'
        : 'still rate limited';
  return `${still} after waiting ${duration(waitedMs)}: ${reason}`;
}

/** A refused credential shows failed at once: someone must fix it before the change can pass. */
function syncStateOf(result: ItemResult, lastAttempt: boolean): SyncState {
  switch (result.state) {
    case 'synced':
      return 'synced';
    case 'failed':
    case 'rejected':
      return 'failed';
    case 'retry':
      return lastAttempt ? 'failed' : 'pending';
    case 'rate-limited':
      return 'pending';
  }
}

/**
 * Skip a change when what is recorded is newer, or this very version is already synced or
 * refused for good (sending it again, when another connection's retry brings the change back,
 * would only be refused again).
 */
function alreadyHandled(item: SyncItem, previous: SyncStatusItem | undefined): boolean {
  if (!previous) return false;
  return (
    previous.leadVersion > item.version ||
    (previous.leadVersion === item.version &&
      (previous.state === 'synced' || previous.refused === true))
  );
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];

/**
 * The newest version the CRM got before this attempt, 0 for none. Every status write records
 * it; a status last written before it was recorded tells it only when synced.
 */
function syncedBefore(previous: SyncStatusItem | undefined): number | undefined {
  if (!previous) return 0;
  return previous.syncedVersion ?? (previous.state === 'synced' ? previous.leadVersion : undefined);
}

/**
 * The fields that may differ from what the CRM last got. A change names only its own, which is
 * all that differs when the version before it is the newest the CRM got; otherwise a change in
 * between never reached the CRM (failed, or out of order), and a field it emptied must still be
 * cleared, so every mapped field counts. A lead never recorded has sent the CRM nothing to clear.
 * The version synced stays recorded through claims and failed attempts, so a retry (after a rate
 * limit or an outage) decides as its first attempt did: one that was not widened is not widened
 * on every retry, emptying CRM properties the lead never had and reps filled in. Where it is not
 * known, a retry of the same version keeps its own fields.
 */
function changedSinceSynced(
  item: SyncItem,
  previous: SyncStatusItem | undefined,
  synced: number | undefined,
  mapping: Record<string, string>,
): string[] {
  const follows =
    !previous ||
    (synced === undefined ? previous.leadVersion >= item.version : synced === item.version - 1);
  return follows ? item.changedFields : union(item.changedFields, Object.keys(mapping));
}

/**
 * Everything crm-sync sends to one connection goes through its lane: changes wait (at most the
 * linger) to share a batch up to the CRM's batch size; a token bucket paces the requests; at
 * most `concurrency` batches are in flight, and never two with the same lead, so one lead's
 * changes reach the CRM in order; across tasks, a claim on the lead's status (held for the
 * lease) keeps it so. Each change's promise settles when its batch result is
 * recorded on the lead. Nothing here sleeps a worker: a change that would wait longer than
 * `maxQueueWaitMs` — for the rate limit, or for a slot while the CRM is slow to answer — goes
 * back to the queue with a delay.
 */
export class ConnectionLane {
  private connection: CrmConnectionItem;
  private readonly queue: Pending[] = [];
  private readonly inFlightLeads = new Set<string>();
  /** Each batch in flight, with when it started. */
  private readonly inFlight = new Map<Pending[], number>();
  /** How long recent batches held their slot, smoothed. */
  private recentBatchMs = 0;
  private inFlightRequests = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private readonly bucket: TokenBucket;
  private readonly now: Clock;
  lastUsedAt: number;

  constructor(
    connection: CrmConnectionItem,
    private readonly deps: LaneDeps,
  ) {
    this.connection = connection;
    this.now = deps.now ?? Date.now;
    this.bucket = new TokenBucket(
      deps.connector.defaultLimit,
      this.now,
      deps.connector.reportsLimits ? 1 : undefined,
    );
    this.lastUsedAt = this.now();
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0;
  }

  submit(
    connection: CrmConnectionItem,
    item: SyncItem,
    receiveCount: number,
    waitingSince?: number,
  ): Promise<SyncOutcome> {
    // The latest read of the connection wins: a changed mapping applies to the next batch.
    this.connection = connection;
    this.lastUsedAt = this.now();
    return new Promise<SyncOutcome>((resolve) => {
      this.queue.push({
        item,
        operation: operationOf(item),
        receiveCount,
        waitingSince,
        enqueuedAt: this.now(),
        resolve,
      });
      this.pump();
    });
  }

  /** SIGTERM: send what is queued now, hand back what would wait for the rate limit. */
  drain(): void {
    this.draining = true;
    this.pump();
  }

  private later(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, ms),
    );
    this.timer.unref();
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (;;) {
      this.coalesce();
      this.releaseBacklog();
      if (this.queue.length === 0) return;
      if (this.inFlight.size >= this.deps.settings.concurrency) {
        this.later(BUSY_RECHECK_MS);
        return;
      }
      const first = this.queue.find((p) => !this.inFlightLeads.has(p.item.leadId));
      // Every queued lead has a batch in flight; its completion pumps again.
      if (!first) return;
      const eligible = this.queue.filter(
        (p) => p.operation === first.operation && !this.inFlightLeads.has(p.item.leadId),
      );
      const age = this.now() - first.enqueuedAt;
      const full = eligible.length >= this.deps.connector.maxBatch;
      if (!full && !this.draining && age < this.deps.settings.lingerMs) {
        this.later(this.deps.settings.lingerMs - age);
        return;
      }
      const wait = this.bucket.waitMs();
      if (wait > 0) {
        this.later(wait);
        return;
      }
      const batch = eligible.slice(0, this.deps.connector.maxBatch);
      const taken = new Set(batch);
      for (let i = this.queue.length - 1; i >= 0; i--)
        if (taken.has(this.queue[i]!)) this.queue.splice(i, 1);
      for (const pending of batch) this.inFlightLeads.add(pending.item.leadId);
      const startedAt = this.now();
      this.inFlight.set(batch, startedAt);
      void this.run(first.operation, batch).finally(() => {
        for (const pending of batch) this.inFlightLeads.delete(pending.item.leadId);
        this.inFlight.delete(batch);
        this.lastUsedAt = this.now();
        this.recentBatchMs +=
          (this.lastUsedAt - startedAt - this.recentBatchMs) * BATCH_TIME_SMOOTHING;
        this.pump();
      });
    }
  }

  /**
   * Of several queued changes to one lead only the newest is sent: it carries the whole lead,
   * and the fields all of them changed, so a field an older one emptied is cleared too.
   */
  private coalesce(): void {
    if (this.queue.length < 2) return;
    const newest = new Map<string, Pending>();
    for (const pending of this.queue) {
      const kept = newest.get(pending.item.leadId);
      if (!kept || pending.item.version > kept.item.version)
        newest.set(pending.item.leadId, pending);
    }
    if (newest.size === this.queue.length) return;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i]!;
      const kept = newest.get(pending.item.leadId)!;
      if (kept === pending) continue;
      kept.item.changedFields = union(kept.item.changedFields, pending.item.changedFields);
      this.queue.splice(i, 1);
      pending.resolve({ kind: 'done' });
    }
  }

  /**
   * A backlog the lane cannot start on within maxQueueWaitMs goes back to the queue, each change
   * delayed until about when its turn would come: messages of this connection do not hold the
   * worker's slots that other connections need, whether its CRM limits the rate or is slow to
   * answer. Draining, whatever would wait at all goes back.
   */
  private releaseBacklog(): void {
    const limit = this.draining ? 0 : this.deps.settings.maxQueueWaitMs;
    const now = this.now();
    const released = this.queue.flatMap((pending, position) => {
      const wait = this.expectedWait(position);
      return wait.ms > 0 && now - pending.enqueuedAt + wait.ms > limit ? [{ pending, wait }] : [];
    });
    if (released.length === 0) return;
    const gone = new Set(released.map((r) => r.pending));
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (gone.has(this.queue[i]!)) this.queue.splice(i, 1);
    for (const { pending, wait } of released) {
      const delaySeconds = Math.max(1, Math.ceil(wait.ms / 1000));
      if (this.overdueWaitMs(pending) === undefined)
        pending.resolve({ kind: 'deferred', error: wait.reason, delaySeconds });
      else
        void this.settleUnsent(pending, {
          state: 'rate-limited',
          error: wait.reason,
          delaySeconds,
        });
    }
  }

  /**
   * About how long until the change queued at `position` is sent: its batch waits for the rate
   * limit's tokens, and for a free slot, which the batches ahead of it hold as long as batches
   * take now.
   */
  private expectedWait(position: number): { ms: number; reason: string } {
    const { connector, settings } = this.deps;
    const batchesAhead = Math.floor(position / connector.maxBatch);
    const { max, intervalMs } = this.bucket.rateLimit;
    const msPerBatch = (intervalMs / Math.max(1, max)) * connector.requestsPerBatch;
    const forRateLimit = this.bucket.waitMs() + batchesAhead * msPerBatch;
    const forSlot =
      Math.floor((batchesAhead + this.inFlight.size) / settings.concurrency) * this.batchMs();
    return forSlot > forRateLimit
      ? { ms: forSlot, reason: SLOW_CRM_WAIT }
      : { ms: forRateLimit, reason: RATE_LIMIT_WAIT };
  }

  /** How long a batch holds its slot: as recent ones did, or as long as one in flight has. */
  private batchMs(): number {
    const now = this.now();
    let longest = this.recentBatchMs;
    for (const startedAt of this.inFlight.values()) longest = Math.max(longest, now - startedAt);
    return longest;
  }

  /** How long the change has waited (rate limits, slow CRMs, holds), once beyond the bound. */
  private overdueWaitMs(pending: Pending): number | undefined {
    if (pending.waitingSince === undefined) return undefined;
    const waited = this.now() - pending.waitingSince;
    return waited >= this.deps.settings.maxRateLimitWaitMs ? waited : undefined;
  }

  /** A change that never reached the CRM still records its result on the lead. */
  private async settleUnsent(pending: Pending, result: ItemResult): Promise<void> {
    const maxReceiveCount = await this.deps.maxReceiveCount().catch(() => undefined);
    await this.settle(this.connection, pending.operation, pending, result, maxReceiveCount);
  }

  /**
   * Waiting never counts towards the DLQ, so a CRM that answers nothing but 429 would hold a
   * change forever, unseen: past the bound, each wait is a failed attempt instead.
   */
  private boundWait(
    connection: CrmConnectionItem,
    pending: Pending,
    result: Extract<ItemResult, { state: 'rate-limited' }>,
  ): ItemResult {
    const waitedMs = this.overdueWaitMs(pending);
    if (waitedMs === undefined) return result;
    this.reportOverdue(connection, pending, waitedMs, result.error);
    return {
      state: 'retry',
      error: overdueError(waitedMs, result.error),
      ...(result.externalId === undefined ? {} : { externalId: result.externalId }),
    };
  }

  private reportOverdue(
    connection: CrmConnectionItem,
    pending: Pending,
    waitedMs: number,
    error: string,
  ): void {
    this.deps.logger.error(
      {
        tenantId: connection.tenantId,
        leadId: pending.item.leadId,
        version: pending.item.version,
        crmType: connection.type,
        connectionId: connection.connectionId,
        waitedSeconds: Math.floor(waitedMs / 1000),
        receiveCount: pending.receiveCount,
        error,
      },
      'a change waited too long for the CRM; each further wait counts as a failed attempt, towards the dead-letter queue',
    );
  }

  private async run(operation: SyncOperation, batch: Pending[]): Promise<void> {
    const { connection } = this;
    const claimedAt = this.now();
    const at = new Date(claimedAt).toISOString();
    const claims = await Promise.allSettled(
      batch.map((pending) =>
        this.deps.statuses.claim(connection.tenantId, pending.item.leadId, {
          connectionId: connection.connectionId,
          crmType: connection.type,
          leadVersion: pending.item.version,
          at,
        }),
      ),
    );
    const todo: Pending[] = [];
    for (const [i, pending] of batch.entries()) {
      const claim = claims[i]!;
      if (claim.status === 'rejected') {
        pending.resolve(this.retryOf(claim.reason));
        continue;
      }
      if (!claim.value.claimed) {
        this.yieldTo(pending, claim.value.current);
        continue;
      }
      const recorded = claim.value.previous;
      pending.claimedAt = at;
      pending.syncedBefore = syncedBefore(recorded);
      pending.item.previous = recorded;
      pending.item.changedFields = changedSinceSynced(
        pending.item,
        recorded,
        pending.syncedBefore,
        connection.fieldMapping,
      );
      todo.push(pending);
    }
    if (todo.length === 0) return;
    const items = todo.map((p) => p.item);
    // A request still running when the claim ends could land after another task's newer write.
    const deadline = claimedAt + this.deps.settings.leaseMs - this.deps.settings.requestTimeoutMs;
    const results = await this.push(connection, operation, items, deadline);
    await this.retryRejected(connection, operation, items, results, deadline);
    const maxReceiveCount = await this.deps.maxReceiveCount().catch(() => undefined);
    await Promise.all(
      todo.map((pending, i) =>
        this.settle(
          connection,
          operation,
          pending,
          results[i] ?? { state: 'retry', error: 'the connector gave no result' },
          maxReceiveCount,
        ),
      ),
    );
  }

  /**
   * The claim was refused. A newer version recorded or in flight carries this change, so it is
   * done; an attempt at this or an older version goes first, and this change waits for its
   * claim to end, back in the queue like a rate-limit wait, and bounded like it: past the bound
   * the wait is a failed attempt (the status is the holder's to write).
   */
  private yieldTo(pending: Pending, current: SyncStatusItem | undefined): void {
    const { item } = pending;
    if (current && alreadyHandled(item, current)) {
      this.deps.logger.debug(
        { leadId: item.leadId, version: item.version, recorded: current.leadVersion },
        'change already handled or superseded for this connection; skipped',
      );
      pending.resolve({ kind: 'done' });
      return;
    }
    const claimEnds = current ? this.holdEnds(current.lastAttemptAt) : this.now();
    const delaySeconds = this.secondsUntil(claimEnds);
    const waitedMs = this.overdueWaitMs(pending);
    if (waitedMs !== undefined) {
      this.reportOverdue(this.connection, pending, waitedMs, CLAIMED_ELSEWHERE);
      pending.resolve({
        kind: 'retry',
        error: overdueError(waitedMs, CLAIMED_ELSEWHERE),
        delaySeconds,
      });
      return;
    }
    this.deps.logger.debug(
      { leadId: item.leadId, version: item.version, inFlight: current?.leadVersion },
      'another attempt at this lead is in flight; the change waits for it',
    );
    pending.resolve({ kind: 'deferred', error: CLAIMED_ELSEWHERE, delaySeconds });
  }

  /** When others may claim a lead held from `lastAttemptAt` (a claim, an unanswered attempt). */
  private holdEnds(lastAttemptAt: string): number {
    return Date.parse(lastAttemptAt) + this.deps.settings.leaseMs + CLAIM_MARGIN_MS;
  }

  private secondsUntil(at: number): number {
    return Math.max(1, Math.ceil((at - this.now()) / 1000));
  }

  /**
   * One connector call for the batch; an error it throws is every item's result. A connector
   * whose batch takes several requests keeps the results of what it wrote when a later one
   * fails, so an error only comes here before anything was written.
   */
  private async push(
    connection: CrmConnectionItem,
    operation: SyncOperation,
    items: SyncItem[],
    deadline: number,
  ): Promise<ItemResult[]> {
    try {
      const credentials = await this.deps.credentials.get(connection, this.deps.connector);
      const context: ConnectorContext = {
        connection,
        credentials,
        request: (request) => this.request(connection, request, deadline),
      };
      return operation === 'upsert'
        ? await this.deps.connector.upsert(context, items)
        : await this.deps.connector.erase(context, items);
    } catch (error) {
      return items.map(() => resultOfError(error));
    }
  }

  /**
   * Credentials are cached, so a refusal may only mean they were rotated since: the items the
   * CRM refused are tried once more with credentials read afresh.
   */
  private async retryRejected(
    connection: CrmConnectionItem,
    operation: SyncOperation,
    items: SyncItem[],
    results: ItemResult[],
    deadline: number,
  ): Promise<void> {
    const rejected = items.flatMap((_, i) => (results[i]?.state === 'rejected' ? [i] : []));
    if (rejected.length === 0) return;
    this.deps.credentials.invalidate(connection);
    this.deps.connector.forget?.(connection);
    const again = await this.push(
      connection,
      operation,
      rejected.map((i) => items[i]!),
      deadline,
    );
    rejected.forEach((index, i) => {
      if (again[i]) results[index] = again[i];
    });
  }

  /** Records the result on the lead, then settles the change's promise. */
  private async settle(
    connection: CrmConnectionItem,
    operation: SyncOperation,
    pending: Pending,
    answer: ItemResult,
    maxReceiveCount: number | undefined,
  ): Promise<void> {
    const { item } = pending;
    const result =
      answer.state === 'rate-limited' ? this.boundWait(connection, pending, answer) : answer;
    const lastAttempt =
      (result.state === 'retry' || result.state === 'rejected') &&
      pending.receiveCount >= (maxReceiveCount ?? Infinity);
    const state = syncStateOf(result, lastAttempt);
    const error =
      result.state === 'synced'
        ? null
        : (lastAttempt
            ? `gave up after ${pending.receiveCount} attempts, the change is in the dead-letter queue: ${result.error}`
            : result.error
          ).slice(0, MAX_ERROR_LENGTH);
    const syncedVersion = result.state === 'synced' ? item.version : pending.syncedBefore;
    const write: StatusWrite = {
      ...(syncedVersion === undefined ? {} : { syncedVersion }),
      connectionId: connection.connectionId,
      crmType: connection.type,
      state,
      leadVersion: item.version,
      lastAttemptAt: new Date(this.now()).toISOString(),
      lastError: error,
      ...(pending.claimedAt === undefined ? {} : { claimedAt: pending.claimedAt }),
      ...(result.state === 'retry' && result.unanswered ? { unanswered: true } : {}),
      ...(result.state === 'failed' && !result.connectionFault ? { refused: true } : {}),
      ...(operation === 'erase' && result.state === 'synced'
        ? { externalId: null }
        : result.externalId === undefined
          ? {}
          : { externalId: result.externalId }),
    };
    try {
      const outcome = await this.deps.statuses.write(connection.tenantId, item.leadId, write);
      if (!outcome.written) {
        this.deps.logger.debug(
          { leadId: item.leadId, version: item.version, recorded: outcome.current?.leadVersion },
          'a newer sync state or another attempt is recorded; kept it',
        );
      }
    } catch (writeError) {
      // Not recorded, not done: the change comes again, and the CRM write is idempotent.
      pending.resolve(this.retryOf(writeError));
      return;
    }
    const log = {
      leadId: item.leadId,
      version: item.version,
      crmType: connection.type,
      connectionId: connection.connectionId,
    };
    switch (result.state) {
      case 'synced':
        this.deps.logger.debug({ ...log, operation }, 'synced');
        pending.resolve({ kind: 'done' });
        return;
      case 'failed':
        this.deps.logger.warn({ ...log, error: result.error }, 'CRM sync failed for good');
        pending.resolve({ kind: 'done' });
        return;
      case 'rejected':
        this.deps.logger.warn(
          { ...log, error: result.error },
          'the CRM rejected the connection’s credentials; the change is retried until they are fixed',
        );
        pending.resolve({ kind: 'retry', error: result.error });
        return;
      case 'retry':
        this.deps.logger.info({ ...log, error: result.error }, 'CRM sync will be retried');
        // Sooner, the retry would only wait for this attempt's hold, back in the queue as a new
        // message whose receive count starts afresh: a CRM that never answers would never
        // reach the DLQ.
        pending.resolve({
          kind: 'retry',
          error: result.error,
          ...(result.unanswered
            ? { delaySeconds: this.secondsUntil(this.holdEnds(write.lastAttemptAt)) }
            : {}),
        });
        return;
      case 'rate-limited':
        this.deps.logger.debug({ ...log, error: result.error }, 'waiting for the CRM rate limit');
        pending.resolve({
          kind: 'deferred',
          error: result.error,
          delaySeconds: result.delaySeconds,
        });
        return;
    }
  }

  private retryOf(error: unknown): SyncOutcome {
    return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
  }

  /** One CRM request: a token first, then the call; the answer corrects the bucket. */
  private async request(
    connection: CrmConnectionItem,
    request: CrmRequest,
    deadline: number,
  ): Promise<CrmResponse> {
    await this.acquire(deadline);
    this.inFlightRequests += 1;
    let response: CrmResponse;
    try {
      response = await this.deps.http.send(request);
    } finally {
      this.inFlightRequests -= 1;
    }
    const observed = this.deps.connector.observeLimits(response);
    if (observed) this.bucket.observe(observed, this.inFlightRequests);
    const retryAfter = this.deps.connector.rateLimitedFor(response);
    if (retryAfter !== undefined) {
      const limitedFor = Math.max(MIN_RATE_LIMIT_WAIT_SECONDS, retryAfter);
      this.bucket.pause(limitedFor * 1000);
      throw new RateLimitedError(
        limitedFor,
        `${connection.type} rate limit (${response.status}${response.errorSummary ? ` ${response.errorSummary}` : ''}); retry in ${limitedFor}s`,
      );
    }
    return response;
  }

  /** A token for a request that can still start by the deadline; none is spent on one that can't. */
  private async acquire(deadline: number): Promise<void> {
    for (;;) {
      const wait = this.bucket.waitMs();
      const delaySeconds = Math.max(1, Math.ceil(wait / 1000));
      if (wait > this.deps.settings.maxQueueWaitMs || (this.draining && wait > 0))
        throw new RateLimitedError(delaySeconds, RATE_LIMIT_WAIT);
      if (this.now() + wait > deadline) throw new ClaimExpiredError(delaySeconds);
      if (wait === 0 && this.bucket.tryTake()) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
  }
}
