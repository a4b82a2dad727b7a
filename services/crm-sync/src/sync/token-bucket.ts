import type { ObservedLimits, RateLimit } from '../connectors/connector';

/** Leaves room for network jitter: requests sent evenly can still arrive bunched. */
const SAFETY = 0.98;

export type Clock = () => number;

/**
 * Requests a connection may send. CRMs count requests in rolling windows ("100 per 10 s"), and
 * a bucket of capacity b refilled at r lets through at most b + r·W in any window W; so b is
 * kept small (5% of the limit) and r fills the rest, and the worker never exceeds the limit
 * however its requests fall. The CRM's own headers correct it: a different plan's limit
 * resizes it, and the requests left in the window (shared with the account's other apps)
 * cap it.
 */
export class TokenBucket {
  private capacity = 1;
  private refillPerMs = 0;
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;
  private limit: RateLimit;

  constructor(
    limit: RateLimit,
    private readonly now: Clock = Date.now,
    /** Tokens at the start: 1 makes the first request a probe whose headers size the bucket. */
    initialTokens?: number,
  ) {
    this.limit = limit;
    this.size(limit);
    this.tokens = Math.min(this.capacity, initialTokens ?? this.capacity);
    this.updatedAt = now();
  }

  get rateLimit(): RateLimit {
    return this.limit;
  }

  /** Milliseconds until a request may be sent (0: now). */
  waitMs(): number {
    this.refill();
    const now = this.now();
    const paused = Math.max(0, this.pausedUntil - now);
    if (this.tokens >= 1) return paused;
    const refill = this.refillPerMs > 0 ? (1 - this.tokens) / this.refillPerMs : Infinity;
    return Math.max(paused, Math.ceil(refill));
  }

  /** Takes a token if one is there now. */
  tryTake(): boolean {
    if (this.waitMs() > 0) return false;
    this.tokens -= 1;
    return true;
  }

  /** Nothing goes out before `ms` from now (a 429's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  /**
   * What the CRM said about its limit in a response. `inFlight` requests were sent after the
   * CRM counted this one, so they come off what it says is left.
   */
  observe(observed: ObservedLimits, inFlight: number): void {
    const max = observed.max ?? this.limit.max;
    const intervalMs = observed.intervalMs ?? this.limit.intervalMs;
    if (
      max > 0 &&
      intervalMs > 0 &&
      (max !== this.limit.max || intervalMs !== this.limit.intervalMs)
    ) {
      this.limit = { max, intervalMs };
      this.size(this.limit);
    }
    this.refill();
    if (observed.remaining !== undefined) {
      const left = observed.remaining - inFlight;
      this.tokens = Math.min(this.tokens, Math.max(0, left));
      if (left <= 0 && observed.resetMs !== undefined) this.pause(observed.resetMs);
    }
  }

  private size(limit: RateLimit): void {
    const budget = limit.max * SAFETY;
    this.capacity = Math.max(1, Math.floor(limit.max * 0.05));
    this.refillPerMs = Math.max(budget - this.capacity, budget / 2) / limit.intervalMs;
    this.tokens = Math.min(this.tokens ?? this.capacity, this.capacity);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
  }
}
