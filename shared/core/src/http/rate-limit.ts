import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
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

/** The headers every answer of a rate-limited operation carries, its 429 too. */
export const RateLimitHeaders = {
  RateLimit: {
    description:
      'What is left of each quota that applies, per draft-ietf-httpapi-ratelimit-headers-08: `"<policy>"; r=<remaining>; t=<seconds to reset>`.',
    schema: Type.String(),
  },
  'RateLimit-Policy': {
    description: 'The quotas that apply: `"<policy>"; q=<limit>; w=<window seconds>`.',
    schema: Type.String(),
  },
};

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
  /** Refuses a client whose failed attempts spent the quota, before anything else is done. */
  refuseSpent: RequestHandler;
  /** The refusal to pass on (its headers set) when the client's quota is spent; else undefined. */
  refusal(req: Request, res: Response): Error | undefined;
  /** Counts a failed attempt; one the same as the client's last failed attempt counts once. */
  failed(req: Request, attempt: string): void;
}

/** Clients whose last failed attempt is remembered; past it, the longest unseen are forgotten. */
const REMEMBERED_CLIENTS = 10_000;

/**
 * A quota of failed attempts (wrong keys), not of requests. Once a client has spent it, every
 * attempt is refused until the window ends, a right one too: otherwise the answers would tell
 * which guess hit. Its RateLimit headers go only on the refusal: ordinary traffic spends nothing.
 * Repeating one wrong attempt (a key changed on one side and not yet on the other, a sender
 * misconfigured on purpose) guesses nothing, so it counts once and cannot lock the right
 * attempts of a shared address out.
 */
export function failedAttemptsLimit(options: RateLimitOptions): FailedAttemptsLimit {
  const { name, limit, store, keyOf } = options;
  const policy = policyOf(options);
  const lastFailed = new Map<string, string>();
  const refusal = (req: Request, res: Response): Error | undefined => {
    const { totalHits, resetAt } = store.hits(keyOf(req));
    if (totalHits < limit) return undefined;
    const resetSeconds = secondsUntil(resetAt);
    setQuotaHeaders(res, name, policy, 0, resetSeconds);
    return refuse(req, res, options, resetSeconds);
  };
  return {
    refuseSpent: (req, res, next) => next(refusal(req, res)),
    refusal,
    failed: (req, attempt) => {
      const client = keyOf(req);
      const digest = createHash('sha256').update(attempt).digest('base64');
      const repeated = lastFailed.get(client) === digest;
      lastFailed.delete(client);
      lastFailed.set(client, digest);
      if (lastFailed.size > REMEMBERED_CLIENTS)
        lastFailed.delete(lastFailed.keys().next().value as string);
      if (!repeated) store.increment(client);
    },
  };
}
