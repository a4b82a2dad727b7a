import { Type } from '@sinclair/typebox';
import type { Request } from 'express';
import { AppError, fingerprint, type IdempotencyStore, type StoredResponse } from '@leadflow/core';
import type { IngestionMetrics } from './metrics';

const VISIBLE_ASCII = /^[\x21-\x7E]{1,255}$/;

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export const IdempotencyKeyHeader = {
  [IDEMPOTENCY_HEADER]: {
    description:
      'Makes a retry safe: the same key with the same request answers the first answer again (with `Idempotent-Replayed: true`) and publishes nothing twice, for 24 hours. The same key with a different request answers 422; while the first attempt still runs, 409. A request that failed (4xx, 503) leaves no trace, so its retry is processed anew.',
    required: false,
    schema: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' }),
    example: '7b0e4c1e-2f4a-4f7e-9a51-8d1c2b3a4f5e',
  },
};

export const ReplayedHeader = {
  [REPLAYED_HEADER]: {
    description: 'Present, and `true`, when this is the stored answer of an earlier request.',
    schema: Type.Literal('true'),
  },
};

/** The header that marks a replayed answer, when it is one. */
export const replayedHeaders = (replayed: boolean): Record<string, string> =>
  replayed ? { [REPLAYED_HEADER]: 'true' } : {};

/** The Idempotency-Key of a request, or undefined; 400 when it is not 1–255 visible ASCII. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VISIBLE_ASCII.test(value)) {
    throw new AppError('validation_failed', 'The Idempotency-Key header is invalid', {
      errors: [
        {
          field: 'headers.idempotency-key',
          message: 'must be 1 to 255 visible ASCII characters',
        },
      ],
    });
  }
  return value;
}

export interface Once<T extends StoredResponse> {
  response: T;
  replayed: boolean;
}

/**
 * Runs `work` once per key: with a key, through the shared store (whose record a failed
 * attempt releases, so a 503 is never replayed); without one, directly — the store costs
 * DynamoDB round trips a request without a key should not pay.
 */
export class Idempotency {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly metrics: IngestionMetrics,
  ) {}

  async once<T extends StoredResponse>(
    scope: string,
    key: string | undefined,
    request: () => unknown,
    work: () => Promise<T>,
  ): Promise<Once<T>> {
    if (key === undefined) return { response: await work(), replayed: false };
    const result = await this.store.run(scope, key, fingerprint(request()), work);
    if (result.replayed) this.metrics.increment('replayed');
    return result;
  }
}
