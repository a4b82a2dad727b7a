import fc from 'fast-check';
import { TokenBucket } from '../token-bucket';

/** Sends whenever the bucket allows, for `durationMs`, and answers the send times. */
function greedy(
  bucket: TokenBucket,
  clock: { now: number },
  durationMs: number,
  stepMs = 1,
): number[] {
  const sent: number[] = [];
  const end = clock.now + durationMs;
  while (clock.now < end) {
    while (bucket.tryTake()) sent.push(clock.now);
    clock.now += stepMs;
  }
  return sent;
}

function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe('TokenBucket', () => {
  it('when sending as fast as it allows, then no rolling window ever holds more than the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }),
        fc.integer({ min: 200, max: 10_000 }),
        (max, intervalMs) => {
          const clock = { now: 0 };
          const bucket = new TokenBucket({ max, intervalMs }, () => clock.now);
          const sent = greedy(bucket, clock, intervalMs * 4, intervalMs / 2_000);
          expect(maxInWindow(sent, intervalMs)).toBeLessThanOrEqual(max);
          // …and uses most of it: 90% from 20 a window up; a tiny limit leaves a one-token burst.
          const share = max >= 20 ? 0.9 : 0.45;
          expect(sent.length).toBeGreaterThanOrEqual(Math.floor(max * 4 * share) - 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('when HubSpot reports another plan’s limit, then the bucket resizes to it', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket({ max: 100, intervalMs: 10_000 }, () => clock.now, 1);
    expect(bucket.tryTake()).toBe(true);
    bucket.observe({ max: 190, intervalMs: 10_000, remaining: 189 }, 0);
    expect(bucket.rateLimit).toEqual({ max: 190, intervalMs: 10_000 });
    const sent = greedy(bucket, clock, 60_000, 5);
    expect(sent.length).toBeGreaterThan(100 * 6);
    expect(maxInWindow(sent, 10_000)).toBeLessThanOrEqual(190);
  });

  it('when the CRM says few requests are left (other apps share the limit), then the bucket holds back', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket({ max: 100, intervalMs: 10_000 }, () => clock.now);
    expect(bucket.waitMs()).toBe(0);
    bucket.observe({ remaining: 2 }, 2);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.waitMs()).toBeGreaterThan(0);
  });

  it('when the window is used up and the CRM names its reset, then nothing goes out before it', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket({ max: 20, intervalMs: 2_000 }, () => clock.now);
    bucket.observe({ remaining: 0, resetMs: 1_500 }, 0);
    expect(bucket.waitMs()).toBeGreaterThanOrEqual(1_500);
    clock.now = 1_499;
    expect(bucket.tryTake()).toBe(false);
    clock.now = 1_500;
    expect(bucket.tryTake()).toBe(true);
  });

  it('when a 429 pauses it, then it waits the Retry-After and then starts with a small burst', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket({ max: 100, intervalMs: 10_000 }, () => clock.now);
    bucket.pause(3_000);
    expect(bucket.waitMs()).toBe(3_000);
    clock.now = 3_000;
    const burst = greedy(bucket, clock, 1);
    expect(burst.length).toBe(5);
  });

  it('when it starts as a probe, then one request goes before any header is known', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket({ max: 100, intervalMs: 10_000 }, () => clock.now, 1);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });
});
