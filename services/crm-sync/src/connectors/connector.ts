import type { CrmConnectionItem, CrmType, LeadSnapshot, SyncStatusItem } from '@leadflow/contracts';
import { CrmNetworkError, type CrmRequest, type CrmResponse } from './crm-http';
import { UnsafeEndpointError } from './endpoint-guard';

/** One lead change on its way to one connection. */
export interface SyncItem {
  leadId: string;
  /** The lead version the change describes. */
  version: number;
  /** Stable across redeliveries: the event's id (webhook receivers deduplicate on it). */
  eventId: string;
  detailType: 'lead.created' | 'lead.updated' | 'lead.erased';
  occurredAt: string;
  /** The lead after the change; absent for an erasure. */
  lead?: LeadSnapshot;
  /** The fields the change names; widened per connection to all that may differ in the CRM. */
  changedFields: string[];
  /** What crm-sync last recorded for this lead and connection (external ids among it). */
  previous?: SyncStatusItem;
}

export type SyncOperation = 'upsert' | 'erase';

export const operationOf = (item: SyncItem): SyncOperation =>
  item.detailType === 'lead.erased' ? 'erase' : 'upsert';

/** What became of one item. */
export type ItemResult =
  | { state: 'synced'; externalId?: string }
  /** A permanent failure: retrying the same data cannot succeed. */
  | {
      state: 'failed';
      error: string;
      externalId?: string;
      /**
       * The connection is at fault (misconfigured, an unsafe endpoint), not the change: once it
       * is fixed, the same version can go (a redrive), unlike one the CRM refused.
       */
      connectionFault?: true;
    }
  /**
   * A passing failure: the message is tried again after the backoff, towards the DLQ.
   * `unanswered`: a request went out whole and no answer came, so the CRM may still apply it.
   */
  | { state: 'retry'; error: string; externalId?: string; unanswered?: true }
  /** No failure: the CRM's rate limit makes the change wait `delaySeconds`. */
  | { state: 'rate-limited'; error: string; delaySeconds: number; externalId?: string }
  /** The CRM refused the credentials: retried like a failure, so it waits in the DLQ for a fix. */
  | { state: 'rejected'; error: string; externalId?: string };

/** Rate-limit state a CRM reported in its response headers. */
export interface ObservedLimits {
  /** Requests allowed per interval. */
  max?: number;
  intervalMs?: number;
  /** Requests left in the current interval. */
  remaining?: number;
  /** Until the interval starts over. */
  resetMs?: number;
}

export type Credentials = Record<string, string>;

/** What a connector gets to talk to one connection. */
export interface ConnectorContext {
  connection: CrmConnectionItem;
  credentials: Credentials;
  /** Rate-limited, guarded against private endpoints in production, with a timeout. */
  request(request: CrmRequest): Promise<CrmResponse>;
}

export interface RateLimit {
  max: number;
  intervalMs: number;
}

export interface Connector {
  readonly type: CrmType;
  /** Items per batch call the CRM accepts (1: no batching). */
  readonly maxBatch: number;
  /** The documented limit of the smallest plan, until the CRM's headers say otherwise. */
  readonly defaultLimit: RateLimit;
  /** Whether the CRM reports its limits in headers (then the first request probes alone). */
  readonly reportsLimits: boolean;
  /** Requests one batch usually costs, to estimate how long a backlog waits. */
  readonly requestsPerBatch: number;
  /** The credentials' shape, checked before any call. Returns a problem, or undefined. */
  credentialsProblem(credentials: Credentials): string | undefined;
  /** After the CRM rejected the credentials: drops what was derived from them (a session). */
  forget?(connection: CrmConnectionItem): void;
  /** Where requests go: the connection's base URL (a sandbox, the fake) or the CRM's own. */
  baseUrl(connection: CrmConnectionItem, credentials: Credentials): string;
  /** Limits from a response's headers. */
  observeLimits(response: CrmResponse): ObservedLimits | undefined;
  /** Seconds to wait when the response says the rate limit was hit; undefined otherwise. */
  rateLimitedFor(response: CrmResponse): number | undefined;
  upsert(context: ConnectorContext, items: SyncItem[]): Promise<ItemResult[]>;
  erase(context: ConnectorContext, items: SyncItem[]): Promise<ItemResult[]>;
}

/** The CRM asked us to slow down: the whole batch waits, by visibility, for `delaySeconds`. */
export class RateLimitedError extends Error {
  constructor(
    readonly delaySeconds: number,
    message = `rate limited; retry in ${delaySeconds}s`,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/**
 * The claim on the batch's leads ends too soon for another CRM request to finish within it. Not
 * a failure: what is not yet sent waits, like for a rate limit, and comes again with a new claim.
 */
export class ClaimExpiredError extends Error {
  constructor(
    readonly delaySeconds = 1,
    message = 'the claim on the lead ran out before this CRM request could start',
  ) {
    super(message);
    this.name = 'ClaimExpiredError';
  }
}

/** The CRM answered something that will not change on a retry (4xx): the batch is failed. */
export class PermanentCrmError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentCrmError';
  }
}

/** The CRM rejected the credentials (401/403): they may have been rotated, or must be fixed. */
export class CredentialsRejectedError extends Error {
  constructor(
    readonly status: number,
    message = `the CRM rejected the credentials (${status})`,
  ) {
    super(message);
    this.name = 'CredentialsRejectedError';
  }
}

/** A passing failure (5xx, network, timeout): the batch is retried with backoff. */
export class TransientCrmError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientCrmError';
  }
}

/** The connection cannot work as configured (credentials missing or malformed, foreign secret). */
export class MisconfiguredConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MisconfiguredConnectionError';
  }
}

const TRANSIENT_4XX = new Set([408, 425, 429]);
const CREDENTIALS_REJECTED = new Set([401, 403]);

/**
 * The common reading of an HTTP status: 2xx passes, 401/403 reject the credentials, other 4xx
 * are permanent (except 408/425/429), 5xx and anything else are passing.
 */
export function assertOk(response: CrmResponse, what: string): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  const detail = `${what} answered ${status}${response.errorSummary ? `: ${response.errorSummary}` : ''}`;
  if (CREDENTIALS_REJECTED.has(status)) throw new CredentialsRejectedError(status, detail);
  if (status >= 300 && status < 500 && !TRANSIENT_4XX.has(status))
    throw new PermanentCrmError(status, detail);
  throw new TransientCrmError(detail);
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function retryAfterSeconds(response: CrmResponse, fallback: number): number {
  const header = response.headers['retry-after'];
  if (header === undefined) return fallback;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return fallback;
}

/** What a failure means for the items it hit. */
export function resultOfError(error: unknown, externalId?: string): ItemResult {
  const progress = externalId === undefined ? {} : { externalId };
  if (error instanceof RateLimitedError || error instanceof ClaimExpiredError)
    return {
      state: 'rate-limited',
      error: error.message,
      delaySeconds: error.delaySeconds,
      ...progress,
    };
  if (error instanceof CredentialsRejectedError)
    return { state: 'rejected', error: error.message, ...progress };
  if (error instanceof PermanentCrmError)
    return { state: 'failed', error: error.message, ...progress };
  if (error instanceof UnsafeEndpointError || error instanceof MisconfiguredConnectionError)
    return { state: 'failed', error: error.message, connectionFault: true, ...progress };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CrmNetworkError && error.mayHaveReachedCrm)
    return { state: 'retry', error: message, ...progress, unanswered: true };
  return { state: 'retry', error: message, ...progress };
}

/**
 * An erasure with no CRM id recorded. Every attempt claims the lead's status before its first
 * request, so with no status at all nothing of the lead can be in the CRM. Otherwise an earlier
 * create may have reached the CRM without its id being recorded (its answer lost, its status
 * write refused), and an erasure event carries nothing personal to look the record up by.
 */
export function erasureWithoutId(item: SyncItem): ItemResult {
  if (item.previous === undefined) return { state: 'synced' };
  return {
    state: 'failed',
    error:
      'erasure not verified: no CRM id recorded, and an earlier attempt may have created the record; delete it in the CRM by hand',
  };
}

/**
 * Runs a batch that takes several CRM requests, some of whose items may be written before a later
 * request fails (HubSpot's halving, Salesforce's re-create). When one throws, the rest are not
 * sent: each item still without a result gets that error's result, and the results already in
 * stay, so a lead the CRM has is never shown as failed or sent again.
 */
export async function keepingWritten(
  count: number,
  work: (results: ItemResult[]) => Promise<void>,
): Promise<ItemResult[]> {
  const results = new Array<ItemResult>(count);
  try {
    await work(results);
  } catch (error) {
    for (let index = 0; index < count; index++) results[index] ??= resultOfError(error);
  }
  return results;
}

const stopsTheRest = (error: unknown): boolean =>
  error instanceof RateLimitedError ||
  error instanceof CredentialsRejectedError ||
  error instanceof ClaimExpiredError;

/** Runs `work` for each item in turn, turning a thrown error into that item's result. */
export async function eachItem(
  items: SyncItem[],
  work: (item: SyncItem, progress: (externalId: string) => void) => Promise<ItemResult>,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  for (const item of items) {
    let externalId: string | undefined;
    try {
      results.push(await work(item, (id) => (externalId = id)));
    } catch (error) {
      // A rate limit, a refused credential or the claim's end stops the rest: they would only
      // meet the same answer.
      if (stopsTheRest(error)) {
        results.push(resultOfError(error, externalId));
        while (results.length < items.length) results.push(resultOfError(error));
        break;
      }
      results.push(resultOfError(error, externalId));
    }
  }
  return results;
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
