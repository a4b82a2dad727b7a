import {
  assertOk,
  eachItem,
  erasureWithoutId,
  joinUrl,
  keepingWritten,
  PermanentCrmError,
  resultOfError,
  retryAfterSeconds,
  type Connector,
  type ConnectorContext,
  type ItemResult,
  type ObservedLimits,
  type SyncItem,
} from './connector';
import type { CrmResponse } from './crm-http';
import { mapLead, type MappedValue } from './lead-mapping';

/**
 * HubSpot CRM API v3 (the `/crm/v3/objects/contacts/...` paths, which HubSpot keeps beside its
 * dated `/crm/objects/2026-03/...` ones with the same bodies):
 * - POST /crm/v3/objects/contacts/batch/upsert — up to 100 `{id, idProperty: 'email',
 *   properties, objectWriteTraceId}`; 200 `{status, results: [{id, properties, new}]}`, 207 with
 *   per-record `errors`, 400 when the batch as a whole is invalid.
 * - POST /crm/v3/objects/contacts/gdpr-delete — `{objectId}` (the contact id); 204.
 * Limits: 100 requests per 10 s for private apps on the smallest plans (more on higher plans,
 * which the X-HubSpot-RateLimit-* headers then report); a 429 names its policy.
 */
export const HUBSPOT_API = 'https://api.hubapi.com';
const UPSERT_PATH = '/crm/v3/objects/contacts/batch/upsert';
const GDPR_DELETE_PATH = '/crm/v3/objects/contacts/gdpr-delete';

/** Per-record error categories that the same data will meet again. */
const PERMANENT_CATEGORIES = new Set([
  'VALIDATION_ERROR',
  'INVALID_EMAIL',
  'PROPERTY_DOESNT_EXIST',
  'CONFLICT',
  'OBJECT_ALREADY_EXISTS',
]);

interface UpsertInput {
  index: number;
  item: SyncItem;
  email: string;
  body: {
    id: string;
    idProperty: 'email';
    objectWriteTraceId: string;
    properties: Record<string, string>;
  };
}

interface HubSpotBatchAnswer {
  results?: Array<{
    id?: string;
    properties?: Record<string, unknown>;
    objectWriteTraceId?: string;
  }>;
  errors?: Array<{
    status?: string;
    category?: string;
    message?: string;
    objectWriteTraceId?: string;
    context?: Record<string, unknown>;
  }>;
}

const auth = (context: ConnectorContext) => ({
  authorization: `Bearer ${context.credentials.accessToken ?? ''}`,
});

/** HubSpot takes strings: numbers as digits, booleans as true/false, '' clears. */
function asHubSpotValue(value: MappedValue | null): string {
  if (value === null) return '';
  return Array.isArray(value) ? value.join(';') : String(value);
}

function header(response: CrmResponse, name: string): number | undefined {
  const value = Number(response.headers[name]);
  return response.headers[name] !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Emails may repeat in a batch (two leads, one person); HubSpot refuses duplicate ids in one call. */
function roundsByEmail(inputs: UpsertInput[]): UpsertInput[][] {
  const rounds: UpsertInput[][] = [];
  const seen = new Map<string, number>();
  for (const input of inputs) {
    const round = seen.get(input.email) ?? 0;
    seen.set(input.email, round + 1);
    (rounds[round] ??= []).push(input);
  }
  return rounds;
}

function traceIdsOf(error: NonNullable<HubSpotBatchAnswer['errors']>[number]): string[] {
  const ids = new Set<string>();
  if (error.objectWriteTraceId) ids.add(error.objectWriteTraceId);
  const fromContext = error.context?.objectWriteTraceId ?? error.context?.ids;
  if (Array.isArray(fromContext)) for (const id of fromContext) ids.add(String(id));
  return [...ids];
}

/** Requests one batch may spend finding its bad records by halving (one bad in 100: ~14). */
const SPLIT_BUDGET = 16;

async function sendUpserts(
  context: ConnectorContext,
  inputs: UpsertInput[],
  results: ItemResult[],
  budget = { requests: SPLIT_BUDGET },
): Promise<void> {
  if (budget.requests <= 0) {
    // Out of halvings: the rest try again later, in smaller batches of their own.
    for (const input of inputs)
      results[input.index] = {
        state: 'retry',
        error: 'HubSpot refused a batch this record was in; it is tried again apart',
      };
    return;
  }
  budget.requests -= 1;
  const response = await context.request({
    method: 'POST',
    url: joinUrl(context.connection.baseUrl ?? HUBSPOT_API, UPSERT_PATH),
    headers: auth(context),
    json: { inputs: inputs.map((input) => input.body) },
  });
  if (response.status === 400 && inputs.length > 1) {
    // HubSpot refuses a whole batch for one bad record: halve it until the bad one stands alone.
    const middle = Math.ceil(inputs.length / 2);
    await sendUpserts(context, inputs.slice(0, middle), results, budget);
    await sendUpserts(context, inputs.slice(middle), results, budget);
    return;
  }
  try {
    assertOk(response, 'HubSpot batch upsert');
  } catch (error) {
    // A refusal of these very records fails them; anything else fails the whole batch.
    if (!(error instanceof PermanentCrmError) || response.status !== 400) throw error;
    for (const input of inputs) results[input.index] = resultOfError(error);
    return;
  }
  const answer = (response.body ?? {}) as HubSpotBatchAnswer;
  const byTrace = new Map<string, string>();
  const byEmail = new Map<string, string>();
  for (const result of answer.results ?? []) {
    if (!result.id) continue;
    if (result.objectWriteTraceId) byTrace.set(result.objectWriteTraceId, result.id);
    const email = result.properties?.email;
    if (typeof email === 'string') byEmail.set(email.toLowerCase(), result.id);
  }
  const errorByTrace = new Map<string, ItemResult>();
  for (const error of answer.errors ?? []) {
    const message = [error.category, error.message].filter(Boolean).join(': ') || 'HubSpot error';
    const result: ItemResult = PERMANENT_CATEGORIES.has(error.category ?? '')
      ? { state: 'failed', error: message.slice(0, 500) }
      : { state: 'retry', error: message.slice(0, 500) };
    for (const traceId of traceIdsOf(error)) errorByTrace.set(traceId, result);
  }
  for (const input of inputs) {
    const id = byTrace.get(input.item.leadId) ?? byEmail.get(input.email);
    results[input.index] = id
      ? { state: 'synced', externalId: id }
      : (errorByTrace.get(input.item.leadId) ?? {
          state: 'retry',
          error: 'HubSpot answered without a result for this contact',
        });
  }
}

export const hubspotConnector: Connector = {
  type: 'hubspot',
  maxBatch: 100,
  defaultLimit: { max: 100, intervalMs: 10_000 },
  reportsLimits: true,
  requestsPerBatch: 1,

  credentialsProblem: (credentials) =>
    (credentials.accessToken?.length ?? 0) >= 10 ? undefined : 'a HubSpot accessToken is required',

  baseUrl: (connection) => connection.baseUrl ?? HUBSPOT_API,

  observeLimits(response): ObservedLimits | undefined {
    const max = header(response, 'x-hubspot-ratelimit-max');
    const remaining = header(response, 'x-hubspot-ratelimit-remaining');
    const intervalMs = header(response, 'x-hubspot-ratelimit-interval-milliseconds');
    if (max === undefined && remaining === undefined) return undefined;
    return {
      ...(max === undefined ? {} : { max }),
      ...(remaining === undefined ? {} : { remaining }),
      ...(intervalMs === undefined ? {} : { intervalMs }),
    };
  },

  rateLimitedFor(response) {
    if (response.status !== 429) return undefined;
    const policy = (response.body as { policyName?: unknown } | undefined)?.policyName;
    // The daily limit starts over at midnight in the account's time zone: try again in an hour.
    if (policy === 'DAILY') return retryAfterSeconds(response, 3_600);
    // The rolling window frees a request as each old one ages out: a second is enough.
    return retryAfterSeconds(response, 1);
  },

  upsert: (context, items) =>
    keepingWritten(items.length, async (results) => {
      const inputs: UpsertInput[] = [];
      items.forEach((item, index) => {
        const email = item.lead?.fields.email?.toLowerCase();
        if (!item.lead || !email) {
          results[index] = {
            state: 'failed',
            error: 'HubSpot contacts are matched by e-mail, and this lead has none',
          };
          return;
        }
        const mapped = mapLead(item.lead, context.connection.fieldMapping, item.changedFields, {
          joinArrays: ';',
          cleared: '',
        });
        const properties = Object.fromEntries(
          Object.entries(mapped).map(([name, value]) => [name, asHubSpotValue(value)]),
        );
        inputs.push({
          index,
          item,
          email,
          body: { id: email, idProperty: 'email', objectWriteTraceId: item.leadId, properties },
        });
      });
      for (const round of roundsByEmail(inputs)) await sendUpserts(context, round, results);
    }),

  erase(context, items) {
    return eachItem(items, async (item) => {
      const contactId = item.previous?.externalId;
      // HubSpot's search needs the e-mail, which an erasure does not carry.
      if (!contactId) return erasureWithoutId(item);
      const response = await context.request({
        method: 'POST',
        url: joinUrl(context.connection.baseUrl ?? HUBSPOT_API, GDPR_DELETE_PATH),
        headers: auth(context),
        json: { objectId: contactId },
      });
      if (response.status !== 404) assertOk(response, 'HubSpot GDPR delete');
      return { state: 'synced' };
    });
  },
};
