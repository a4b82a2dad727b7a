import {
  assertOk,
  eachItem,
  erasureWithoutId,
  joinUrl,
  keepingWritten,
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
 * - POST /crm/v3/objects/contacts/batch/update — up to 100 `{id, properties, objectWriteTraceId}`
 *   by record id, the e-mail among the properties it may change. A new e-mail another contact
 *   holds is refused with 409 ("Contact already exists. Existing ID: …", `OBJECT_ALREADY_EXISTS`
 *   or `CONFLICT`); an id HubSpot no longer has with `OBJECT_NOT_FOUND` (for the whole batch or
 *   per record: HubSpot does not document which, so both are read).
 * - POST /crm/v3/objects/contacts/gdpr-delete — `{objectId}` (the contact id); 204.
 * Limits: 100 requests per 10 s for private apps on the smallest plans (more on higher plans,
 * which the X-HubSpot-RateLimit-* headers then report); a 429 names its policy.
 */
export const HUBSPOT_API = 'https://api.hubapi.com';
const UPSERT_PATH = '/crm/v3/objects/contacts/batch/upsert';
const UPDATE_PATH = '/crm/v3/objects/contacts/batch/update';
const GDPR_DELETE_PATH = '/crm/v3/objects/contacts/gdpr-delete';

/** Per-record error categories that the same data will meet again. */
const PERMANENT_CATEGORIES = new Set([
  'VALIDATION_ERROR',
  'INVALID_EMAIL',
  'PROPERTY_DOESNT_EXIST',
  'CONFLICT',
  'OBJECT_ALREADY_EXISTS',
]);
const CONFLICT_CATEGORIES = new Set(['CONFLICT', 'OBJECT_ALREADY_EXISTS']);
const NOT_FOUND_CATEGORY = 'OBJECT_NOT_FOUND';

/** One lead's contact, on its way to HubSpot. */
interface LeadWrite {
  index: number;
  item: SyncItem;
  properties: Record<string, string>;
}

/** A lead new to HubSpot: its contact is found, or made, by e-mail. */
interface ContactWrite extends LeadWrite {
  email: string;
}

/** A lead synced before: its contact is known by id, also once its e-mail was removed. */
interface KnownContactWrite extends LeadWrite {
  contactId: string;
  email?: string;
}

interface HubSpotResult {
  id?: string;
  properties?: Record<string, unknown>;
  objectWriteTraceId?: string;
}

interface HubSpotError {
  status?: string;
  category?: string;
  message?: string;
  objectWriteTraceId?: string;
  context?: Record<string, unknown>;
}

interface HubSpotBatchAnswer {
  results?: HubSpotResult[];
  errors?: HubSpotError[];
}

/** One batch endpoint: how it names a record in the request and in the answer. */
interface BatchEndpoint<W extends LeadWrite> {
  path: string;
  name: string;
  /** What the call identifies a record by; HubSpot refuses the same one twice in one call. */
  keyOf(write: W): string;
  inputOf(write: W): Record<string, unknown>;
  answeredKeyOf(result: HubSpotResult): string | undefined;
  /**
   * Writes a contact known by id: one HubSpot no longer has is written by e-mail instead, and
   * a new e-mail that another contact holds is refused.
   */
  byId: boolean;
}

const UPSERT_BY_EMAIL: BatchEndpoint<ContactWrite> = {
  path: UPSERT_PATH,
  name: 'HubSpot batch upsert',
  keyOf: (write) => write.email,
  inputOf: (write) => ({
    id: write.email,
    idProperty: 'email',
    objectWriteTraceId: write.item.leadId,
    properties: write.properties,
  }),
  answeredKeyOf: (result) => {
    const email = result.properties?.email;
    return typeof email === 'string' ? email.toLowerCase() : undefined;
  },
  byId: false,
};

const UPDATE_BY_ID: BatchEndpoint<KnownContactWrite> = {
  path: UPDATE_PATH,
  name: 'HubSpot batch update',
  keyOf: (write) => write.contactId,
  inputOf: (write) => ({
    id: write.contactId,
    objectWriteTraceId: write.item.leadId,
    // An upsert sets the e-mail by its id; an update must carry it, or an edited one stays behind.
    // A removed one is sent as mapped: cleared where the mapping sends it, kept otherwise.
    properties: write.email ? { ...write.properties, email: write.email } : write.properties,
  }),
  answeredKeyOf: (result) => result.id,
  byId: true,
};

/** Where a batch's outcomes go. */
interface Outcomes<W extends LeadWrite> {
  results: ItemResult[];
  /** Updates whose contact HubSpot no longer has. */
  gone: W[];
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

/** Keys may repeat in a batch (two leads, one person); HubSpot refuses duplicate ids in one call. */
function roundsBy<W>(writes: W[], keyOf: (write: W) => string): W[][] {
  const rounds: W[][] = [];
  const seen = new Map<string, number>();
  for (const write of writes) {
    const key = keyOf(write);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push(write);
  }
  return rounds;
}

function traceIdsOf(error: HubSpotError): string[] {
  const ids = new Set<string>();
  if (error.objectWriteTraceId) ids.add(error.objectWriteTraceId);
  const fromContext = error.context?.objectWriteTraceId ?? error.context?.ids;
  if (Array.isArray(fromContext)) for (const id of fromContext) ids.add(String(id));
  return [...ids];
}

const categoryOf = (body: unknown): string | undefined => {
  const category = (body as { category?: unknown } | undefined)?.category;
  return typeof category === 'string' ? category : undefined;
};

/**
 * Neither contact is changed: moving the lead onto the other contact would leave its own one
 * behind, and its erasure would then delete a contact that may hold someone else's data.
 */
const NEW_EMAIL_TAKEN =
  "the lead's new e-mail belongs to another HubSpot contact; the lead's own contact keeps its old e-mail until the two are merged in HubSpot or the e-mail changes again";

/** The contact was deleted in HubSpot. */
const isGone = (category: string | undefined) => category === NOT_FOUND_CATEGORY;

/**
 * HubSpot refuses a whole batch for one bad record: an invalid one (400), and in an update by
 * id a new e-mail that another contact holds (409) or an id it no longer has.
 */
function refusesWholeBatch<W extends LeadWrite>(
  endpoint: BatchEndpoint<W>,
  response: CrmResponse,
): boolean {
  if (response.status === 400) return true;
  return endpoint.byId && (response.status === 409 || isGone(categoryOf(response.body)));
}

/** A record HubSpot refused alone: the same data would be refused again. */
function refusedAlone<W extends LeadWrite>(
  response: CrmResponse,
  endpoint: BatchEndpoint<W>,
): ItemResult {
  const summary = response.errorSummary ? `: ${response.errorSummary}` : '';
  const conflict = endpoint.byId && response.status === 409 ? ` (${NEW_EMAIL_TAKEN})` : '';
  return {
    state: 'failed',
    error: `${endpoint.name} answered ${response.status}${summary}${conflict}`,
  };
}

function resultOfRecordError<W extends LeadWrite>(
  error: HubSpotError,
  endpoint: BatchEndpoint<W>,
): ItemResult {
  const message = [error.category, error.message].filter(Boolean).join(': ') || 'HubSpot error';
  if (!PERMANENT_CATEGORIES.has(error.category ?? ''))
    return { state: 'retry', error: message.slice(0, 500) };
  const conflict = endpoint.byId && CONFLICT_CATEGORIES.has(error.category ?? '');
  return {
    state: 'failed',
    error: (conflict ? `${message} (${NEW_EMAIL_TAKEN})` : message).slice(0, 500),
  };
}

function settleAnswer<W extends LeadWrite>(
  endpoint: BatchEndpoint<W>,
  writes: W[],
  answer: HubSpotBatchAnswer,
  outcomes: Outcomes<W>,
): void {
  const idByTrace = new Map<string, string>();
  const idByKey = new Map<string, string>();
  for (const result of answer.results ?? []) {
    if (!result.id) continue;
    if (result.objectWriteTraceId) idByTrace.set(result.objectWriteTraceId, result.id);
    const key = endpoint.answeredKeyOf(result);
    if (key !== undefined) idByKey.set(key, result.id);
  }
  const errorByTrace = new Map<string, HubSpotError>();
  for (const error of answer.errors ?? [])
    for (const traceId of traceIdsOf(error)) errorByTrace.set(traceId, error);
  for (const write of writes) {
    const id = idByTrace.get(write.item.leadId) ?? idByKey.get(endpoint.keyOf(write));
    const error = errorByTrace.get(write.item.leadId);
    if (id) outcomes.results[write.index] = { state: 'synced', externalId: id };
    else if (endpoint.byId && isGone(error?.category)) outcomes.gone.push(write);
    else
      outcomes.results[write.index] = error
        ? resultOfRecordError(error, endpoint)
        : // The write went out whole and the answer does not say what became of it: HubSpot may
          // have applied it, so it is retried as one that got no answer, after the lead's hold.
          {
            state: 'retry',
            error: 'HubSpot answered without a result for this contact',
            unanswered: true,
          };
  }
}

/** Requests one batch may spend finding its bad records by halving (one bad in 100: ~14). */
const SPLIT_BUDGET = 16;

async function sendBatch<W extends LeadWrite>(
  context: ConnectorContext,
  endpoint: BatchEndpoint<W>,
  writes: W[],
  outcomes: Outcomes<W>,
  budget = { requests: SPLIT_BUDGET },
): Promise<void> {
  if (budget.requests <= 0) {
    // Out of halvings: the rest try again later, in smaller batches of their own.
    for (const write of writes)
      outcomes.results[write.index] = {
        state: 'retry',
        error: 'HubSpot refused a batch this record was in; it is tried again apart',
      };
    return;
  }
  budget.requests -= 1;
  const response = await context.request({
    method: 'POST',
    url: joinUrl(context.connection.baseUrl ?? HUBSPOT_API, endpoint.path),
    headers: auth(context),
    json: { inputs: writes.map((write) => endpoint.inputOf(write)) },
  });
  const refused = refusesWholeBatch(endpoint, response);
  if (refused && writes.length > 1) {
    // HubSpot refuses a whole batch for one bad record: halve it until the bad one stands alone.
    const middle = Math.ceil(writes.length / 2);
    await sendBatch(context, endpoint, writes.slice(0, middle), outcomes, budget);
    await sendBatch(context, endpoint, writes.slice(middle), outcomes, budget);
    return;
  }
  const [write] = writes;
  if (refused && write) {
    if (endpoint.byId && isGone(categoryOf(response.body))) outcomes.gone.push(write);
    else outcomes.results[write.index] = refusedAlone(response, endpoint);
    return;
  }
  assertOk(response, endpoint.name);
  settleAnswer(endpoint, writes, (response.body ?? {}) as HubSpotBatchAnswer, outcomes);
}

/** Sends each round of writes; answers the updates whose contact HubSpot no longer has. */
async function sendInRounds<W extends LeadWrite>(
  context: ConnectorContext,
  endpoint: BatchEndpoint<W>,
  writes: W[],
  results: ItemResult[],
): Promise<W[]> {
  const outcomes: Outcomes<W> = { results, gone: [] };
  for (const round of roundsBy(writes, (write) => endpoint.keyOf(write)))
    await sendBatch(context, endpoint, round, outcomes);
  return outcomes.gone;
}

/**
 * The lead's contact as HubSpot takes it; undefined (and a failure) for a lead without e-mail
 * that has no contact yet.
 */
function contactWriteOf(
  context: ConnectorContext,
  item: SyncItem,
  index: number,
): ContactWrite | KnownContactWrite | undefined {
  const email = item.lead?.fields.email?.toLowerCase();
  const contactId = item.previous?.externalId;
  if (!item.lead || (!email && !contactId)) return undefined;
  const mapped = mapLead(item.lead, context.connection.fieldMapping, item.changedFields, {
    joinArrays: ';',
    cleared: '',
  });
  const properties = Object.fromEntries(
    Object.entries(mapped).map(([name, value]) => [name, asHubSpotValue(value)]),
  );
  if (contactId) return { index, item, properties, contactId, ...(email ? { email } : {}) };
  return { index, item, email: email!, properties };
}

const isKnown = (write: LeadWrite): write is KnownContactWrite => 'contactId' in write;
const hasEmail = <W extends LeadWrite & { email?: string }>(
  write: W,
): write is W & { email: string } => write.email !== undefined;

const NO_EMAIL = 'HubSpot contacts are matched by e-mail, and this lead has none';

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
    // HubSpot's passing refusals: a record locked by concurrent upserts (wait at least 2 s) and
    // an account being migrated (wait as told). They pass, so they wait like a rate limit.
    if (response.status === 423) return Math.max(2, retryAfterSeconds(response, 2));
    if (response.status === 477) return retryAfterSeconds(response, 60);
    if (response.status !== 429) return undefined;
    const policy = (response.body as { policyName?: unknown } | undefined)?.policyName;
    // The daily limit starts over at midnight in the account's time zone: try again in an hour.
    if (policy === 'DAILY') return retryAfterSeconds(response, 3_600);
    // The rolling window frees a request as each old one ages out: a second is enough.
    return retryAfterSeconds(response, 1);
  },

  upsert: (context, items) =>
    keepingWritten(items.length, async (results) => {
      const known: KnownContactWrite[] = [];
      const unknown: ContactWrite[] = [];
      items.forEach((item, index) => {
        const write = contactWriteOf(context, item, index);
        if (!write) results[index] = { state: 'failed', error: NO_EMAIL };
        else if (isKnown(write)) known.push(write);
        else unknown.push(write);
      });
      // A lead synced before keeps its contact, so a changed e-mail cannot leave a second one
      // behind that an erasure, knowing only the recorded id, would miss.
      const gone = await sendInRounds(context, UPDATE_BY_ID, known, results);
      for (const write of gone.filter((w) => !hasEmail(w)))
        results[write.index] = {
          state: 'failed',
          error: `the lead's HubSpot contact was deleted, and it has no e-mail to make a new one with`,
        };
      await sendInRounds(context, UPSERT_BY_EMAIL, [...unknown, ...gone.filter(hasEmail)], results);
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
