import { Type } from '@sinclair/typebox';
import type { Request } from 'express';
import type { LeadReceived } from '@leadflow/contracts';
import { AppError, fingerprint, type IdempotencyStore, type StoredResponse } from '@leadflow/core';
import type { IngestionMetrics } from './metrics';

const VISIBLE_ASCII = /^[\x21-\x7E]{1,255}$/;

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export const IdempotencyKeyHeader = {
  [IDEMPOTENCY_HEADER]: {
    description:
      'Makes a retry safe: the same key with the same request answers the first answer again (with `Idempotent-Replayed: true`) and publishes nothing twice, for 24 hours. The same key with a different request answers 422; while the first attempt still runs, 409. A request refused (4xx) leaves no trace. After a 503 the lead may have been handed over after all, so a retry with the same key publishes it again under the same lead id, and Leadflow takes it in once either way; until a retry succeeds, the key stays bound to that request.',
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

/** Where a key counts: a tenant's form, API key or Google Ads webhooks. */
export interface IdempotencyScope {
  tenantId: string;
  scope: string;
}

/** The lead id and event id of each lead of a request (null where an item was rejected). */
type LeadIds = Array<[leadId: string, eventId: string] | null>;

function withIds(event: LeadReceived | undefined, ids: LeadIds[number] | undefined) {
  if (!event || !ids || (event.leadId === ids[0] && event.eventId === ids[1])) return event;
  return { ...event, leadId: ids[0], eventId: ids[1] };
}

/**
 * Publishes a request's leads once per key: with a key, through the shared store (a retry of a
 * request that answered 503 publishes its leads again under the same lead ids, so a lead whose
 * event arrived after all is still taken in once); without one, directly — the store costs
 * DynamoDB round trips a request without a key should not pay.
 */
export class Idempotency {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly metrics: IngestionMetrics,
  ) {}

  /** `work` gets `event`, under the ids an earlier attempt of the same request gave it. */
  once<T extends StoredResponse>(
    scope: IdempotencyScope,
    key: string | undefined,
    request: () => unknown,
    event: LeadReceived,
    work: (event: LeadReceived) => Promise<T>,
  ): Promise<Once<T>> {
    return this.onceForAll(scope, key, request, [event], ([same]) => work(same ?? event));
  }

  /** `work` gets `events` (undefined for rejected items), each under its earlier attempt's ids. */
  async onceForAll<T extends StoredResponse>(
    scope: IdempotencyScope,
    key: string | undefined,
    request: () => unknown,
    events: Array<LeadReceived | undefined>,
    work: (events: Array<LeadReceived | undefined>) => Promise<T>,
  ): Promise<Once<T>> {
    if (key === undefined) return { response: await work(events), replayed: false };
    const ids: LeadIds = events.map((e) => (e ? [e.leadId, e.eventId] : null));
    const result = await this.store.run({ ...scope, key }, fingerprint(request()), ids, (kept) =>
      work(events.map((event, index) => withIds(event, kept[index]))),
    );
    if (result.replayed) this.metrics.increment('replayed');
    return result;
  }
}
