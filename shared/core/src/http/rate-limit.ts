import type { Request, RequestHandler, Response } from 'express';
import type { DynamoRateLimitStore } from '../runtime/rate-limit-store';

export interface RateLimitOptions {
  /** Names the quota in the RateLimit headers (`"ip"`). */
  name: string;
  limit: number;
  windowSeconds: number;
  store: DynamoRateLimitStore;
  /** Whose hits count together: an address, a form, an API key. */
  keyOf: (req: Request) => string;
  /** The error passed on when the limit is exceeded; Retry-After is already set. */
  limited: (req: Request) => Error;
}

/** Adds a value to a header that may already carry another quota's. */
function appendHeader(res: Response, name: string, value: string): void {
  const previous = res.getHeader(name);
  if (previous === undefined) res.setHeader(name, value);
  else res.setHeader(name, [...(Array.isArray(previous) ? previous : [String(previous)]), value]);
}

const secondsUntil = (at: number): number => Math.max(0, Math.ceil((at - Date.now()) / 1000));

const policyOf = ({ name, limit, windowSeconds }: RateLimitOptions): string =>
  `"${name}"; q=${limit}; w=${windowSeconds}`;

/** The draft-8 RateLimit headers (draft-ietf-httpapi-ratelimit-headers-08) of one quota. */
function setQuotaHeaders(
  res: Response,
  name: string,
  policy: string,
  remaining: number,
  resetSeconds: number,
): void {
  appendHeader(res, 'RateLimit', `"${name}"; r=${Math.max(remaining, 0)}; t=${resetSeconds}`);
  appendHeader(res, 'RateLimit-Policy', policy);
}

function refuse(req: Request, res: Response, options: RateLimitOptions, resetSeconds: number) {
  res.setHeader('Retry-After', String(resetSeconds));
  return options.limited(req);
}

/**
 * Counts each request against a fixed-window quota and refuses it once the quota is spent,
 * with the RateLimit headers on every answer and Retry-After on the refusal. Synchronous: the
 * store counts locally.
 *
 * Written here rather than taken from express-rate-limit: with its per-request promises,
 * debug calls and SHA-256 partition key, its two limiters on the form path cost about 80 µs
 * of CPU per lead, a sixth of the whole pipeline; this store needs none of that.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const { name, limit, store, keyOf } = options;
  const policy = policyOf(options);
  return (req, res, next) => {
    const { totalHits, resetAt } = store.increment(keyOf(req));
    const resetSeconds = secondsUntil(resetAt);
    setQuotaHeaders(res, name, policy, limit - totalHits, resetSeconds);
    if (totalHits <= limit) next();
    else next(refuse(req, res, options, resetSeconds));
  };
}

export interface FailedAttemptsLimit {
  /** Refuses a client whose failed attempts spent the quota, before this attempt is checked. */
  refuseSpent: RequestHandler;
  /** Counts one failed attempt of the request's client. */
  failed(req: Request): void;
}

/**
 * A quota of failed attempts (wrong keys), not of requests. Once a client has spent it, every
 * attempt is refused until the window ends, a right one too: otherwise the answers would tell
 * which guess hit. Its RateLimit headers go only on the refusal: ordinary traffic spends nothing.
 */
export function failedAttemptsLimit(options: RateLimitOptions): FailedAttemptsLimit {
  const { name, limit, store, keyOf } = options;
  const policy = policyOf(options);
  return {
    refuseSpent: (req, res, next) => {
      const { totalHits, resetAt } = store.hits(keyOf(req));
      if (totalHits < limit) {
        next();
        return;
      }
      const resetSeconds = secondsUntil(resetAt);
      setQuotaHeaders(res, name, policy, 0, resetSeconds);
      next(refuse(req, res, options, resetSeconds));
    },
    failed: (req) => void store.increment(keyOf(req)),
  };
}
