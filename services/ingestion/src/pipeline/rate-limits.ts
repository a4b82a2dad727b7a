import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import {
  AppError,
  DynamoRateLimitStore,
  failedAttemptsLimit,
  rateLimit,
  type FailedAttemptsLimit,
  type RateLimitOptions,
  type DynamoDBDocumentClient,
  type Logger,
} from '@leadflow/core';
import type { IngestionMetrics } from './metrics';

export interface RateLimitSettings {
  windowSeconds: number;
  perIp: number;
  perForm: number;
  perApiKey: number;
  badGoogleKeysPerIp: number;
}

export interface RateLimiters {
  /** Public form submissions, per client IP (IPv6 per /56). */
  ip: RequestHandler;
  /** Public form submissions, per form, every client together. */
  form: RequestHandler;
  /** Google Ads webhooks, per form. */
  googleAdsForm: RequestHandler;
  /** Wrong google_keys, per client address and form: guessing a form's key stops there. */
  googleAdsBadKeys: FailedAttemptsLimit;
  /** Server-to-server requests, per API key. */
  apiKey: RequestHandler;
  /** The shared counters, flushed on shutdown. */
  stores: DynamoRateLimitStore[];
}

export interface RateLimitDeps {
  db: DynamoDBDocumentClient;
  table: string;
  logger: Logger;
  metrics: IngestionMetrics;
  settings: RateLimitSettings;
  /** The key of the resolved form (set by the form gate) or API key id (set by authentication). */
  formKeyOf: (req: Request) => string;
  apiKeyIdOf: (req: Request) => string;
}

/** How the ingestion operations tell their callers about their quotas. */
export const RATE_LIMITS_DESCRIPTION =
  'Every answer counted against a quota carries the `RateLimit` and `RateLimit-Policy` headers, an error answer too; past a quota the answer is 429 with `Retry-After`.';

/** The client's address, an IPv6 one by its /56: one host has a whole block of those. */
const clientAddressKey = (req: Request): string => ipKeyGenerator(req.ip ?? '');

/**
 * Rate limits over the shared DynamoDB counters: each limiter counts locally and adds its
 * counts to the table in the background, so every task sees the others' traffic within a
 * sync interval without a round trip per request. 429 is a problem+json with Retry-After and
 * the draft-8 RateLimit headers.
 */
export function createRateLimiters(deps: RateLimitDeps): RateLimiters {
  const { windowSeconds } = deps.settings;
  const stores: DynamoRateLimitStore[] = [];
  const quota = (
    name: string,
    limit: number,
    describe: string,
    keyOf: (req: Request) => string,
  ): RateLimitOptions => {
    const store = new DynamoRateLimitStore({
      client: deps.db,
      table: deps.table,
      prefix: `ingestion:${name}:`,
      logger: deps.logger,
      windowMs: windowSeconds * 1000,
    });
    stores.push(store);
    return {
      name,
      limit,
      windowSeconds,
      store,
      keyOf,
      limited: () => {
        deps.metrics.increment('rateLimited');
        return new AppError(
          'rate_limited',
          `Too many requests ${describe}; retry after the time in Retry-After`,
        );
      },
    };
  };
  return {
    ip: rateLimit(quota('ip', deps.settings.perIp, 'from this address', clientAddressKey)),
    form: rateLimit(quota('form', deps.settings.perForm, 'for this form', deps.formKeyOf)),
    googleAdsForm: rateLimit(
      quota('google-ads-form', deps.settings.perForm, 'for this form', deps.formKeyOf),
    ),
    googleAdsBadKeys: failedAttemptsLimit(
      quota(
        'google-ads-bad-keys',
        deps.settings.badGoogleKeysPerIp,
        'with a wrong google_key from this address',
        (req) => `${clientAddressKey(req)}|${deps.formKeyOf(req)}`,
      ),
    ),
    apiKey: rateLimit(
      quota('api-key', deps.settings.perApiKey, 'with this API key', deps.apiKeyIdOf),
    ),
    stores,
  };
}
