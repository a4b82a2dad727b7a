import { isReservedCrmProperty, SALESFORCE_EXTERNAL_ID_FIELD } from '@leadflow/contracts';
import {
  assertOk,
  eachItem,
  joinUrl,
  keepingWritten,
  retryAfterSeconds,
  type Connector,
  type ConnectorContext,
  type ItemResult,
  type SyncItem,
} from './connector';
import { CrmNetworkError, type CrmResponse } from './crm-http';
import { mapLead } from './lead-mapping';
import { accessTokenOf, forgetSession, usesRefreshToken } from './salesforce-session';

/**
 * Salesforce REST API v60.0 (Spring ’24; sObject Collections upsert exists since v46.0):
 * - PATCH /services/data/v60.0/composite/sobjects/Lead/Leadflow_Id__c — up to 200 records
 *   `{attributes: {type: 'Lead'}, Leadflow_Id__c, ...}` with `allOrNone: false`; 200 with one
 *   `{id, success, errors, created}` per record, in order. The external id field holds the
 *   Leadflow lead id, so a redelivered change updates the same Lead. Any other 2xx body (a
 *   proxy's page, an empty or cut-off answer) is read as no answer: the records are retried.
 * - A duplicate rule answers DUPLICATES_DETECTED with the existing record in
 *   `duplicateResult.matchResults[].matchRecords[].record.Id`. A record no other Leadflow lead
 *   holds (one a sales rep entered; read with GET /composite/sobjects/Lead?ids=…&fields=…) is
 *   linked, given the external id and the lead's fields, through PATCH /composite/sobjects with
 *   `Sforce-Duplicate-Rule-Header: allowSave=true`, instead of failing. A lead that has a record
 *   already, or whose match another lead holds (a tenant that keeps leads with one e-mail
 *   apart), is saved on its own record with that header: linking it would make two leads write
 *   one record. A rule that blocks duplicates still refuses it, and the lead fails with the reason.
 * - REQUIRED_FIELD_MISSING on LastName/Company for a record sent without them (crm-sync had
 *   created it, a sales rep has deleted it since): upserted again, with the placeholders.
 * - DELETE /composite/sobjects?ids=…&allOrNone=false for erasure (ids crm-sync recorded): 200
 *   with one `{id, success, errors}` per id, in order; DELETE /sobjects/Lead/Leadflow_Id__c/<id>
 *   for a lead it has no record id of: 204, no body.
 * - 401 INVALID_SESSION_ID and other 403s: credentials; 403 REQUEST_LIMIT_EXCEEDED: the org's
 *   API request limit (a rolling 24 h count), a rate limit.
 * The org needs a Lead custom field Leadflow_Id__c: Text(26), External ID, Unique.
 */
export const SALESFORCE_API_VERSION = 'v60.0';
export const EXTERNAL_ID_FIELD = SALESFORCE_EXTERNAL_ID_FIELD;
const DATA = `/services/data/${SALESFORCE_API_VERSION}`;

/**
 * Lead fields Salesforce requires: a record created without them gets a placeholder; a record
 * that exists keeps what it has (a sales rep may have filled them in), as it cannot be emptied.
 */
const REQUIRED_PLACEHOLDERS: Record<string, string> = {
  LastName: '[not provided]',
  Company: '[not provided]',
};
/** Record errors a retry can get past. */
const TRANSIENT_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
  'SERVER_UNAVAILABLE',
]);
/** Erasing what is already gone is done. */
const ALREADY_GONE = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND']);
/** Waiting out the 24 h request limit: the count rolls, so try again after a while. */
const REQUEST_LIMIT_WAIT_SECONDS = 300;

interface SalesforceError {
  statusCode: string;
  message?: string;
  fields?: string[];
  duplicateResult?: {
    matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }>;
  };
}

/** Salesforce's SaveResult, UpsertResult and DeleteResult, as far as crm-sync reads them. */
type SaveResult =
  | { success: true; id: string }
  | { success: false; errors: [SalesforceError, ...SalesforceError[]] };

/** What Salesforce answers for each record: its id when saved, an error code when not. */
function isSaveResult(value: unknown): value is SaveResult {
  if (typeof value !== 'object' || value === null) return false;
  const { id, success, errors } = value as Record<string, unknown>;
  if (success === true) return typeof id === 'string' && id !== '';
  if (success !== false || !Array.isArray(errors)) return false;
  const first: unknown = errors[0];
  return (
    typeof first === 'object' &&
    first !== null &&
    typeof (first as Record<string, unknown>).statusCode === 'string'
  );
}

/**
 * A 2xx whose body is not Salesforce's answer (a proxy's page, an empty or cut-off body) tells
 * nothing of what Salesforce did with a request that went out whole: like a request that got no
 * answer, it may have been applied, so the records are retried once the lead's hold has passed.
 */
function unreadableAnswer(
  response: CrmResponse,
  what: string,
  expected: string,
  { mayHaveReachedCrm = true } = {},
): CrmNetworkError {
  const type = response.headers['content-type'] ?? 'no content type';
  return new CrmNetworkError(`${what} answered ${response.status} (${type}), not ${expected}`, {
    mayHaveReachedCrm,
  });
}

const base = (context: ConnectorContext) =>
  context.connection.baseUrl ?? context.credentials.instanceUrl ?? '';

const auth = async (context: ConnectorContext) => ({
  authorization: `Bearer ${await accessTokenOf(context, base(context))}`,
});

function fieldsOf(
  context: ConnectorContext,
  item: SyncItem,
  recordExists: boolean,
): Record<string, unknown> {
  const mapped = mapLead(item.lead!, context.connection.fieldMapping, item.changedFields, {
    joinArrays: ';',
    cleared: null,
  });
  // A mapping saved before reserved names were refused must not move the lead to another
  // record, in whatever case it spells them.
  const fields = Object.fromEntries(
    Object.entries(mapped).filter(([property]) => !isReservedCrmProperty('salesforce', property)),
  );
  for (const [field, placeholder] of Object.entries(REQUIRED_PLACEHOLDERS)) {
    if (fields[field] !== undefined && fields[field] !== null && fields[field] !== '') continue;
    if (recordExists) delete fields[field];
    else fields[field] = placeholder;
  }
  return fields;
}

/** Salesforce refused to create the record without a field it gets a placeholder for. */
const lacksRequired = (saved: SaveResult) =>
  !saved.success &&
  saved.errors.some(
    (error) =>
      error.statusCode === 'REQUIRED_FIELD_MISSING' &&
      (error.fields ?? []).some((field) => Object.hasOwn(REQUIRED_PLACEHOLDERS, field)),
  );

function recordError([first]: [SalesforceError, ...SalesforceError[]]): ItemResult {
  const message = `${first.statusCode}: ${first.message ?? 'Salesforce refused the record'}`;
  return TRANSIENT_CODES.has(first.statusCode)
    ? { state: 'retry', error: message.slice(0, 500) }
    : { state: 'failed', error: message.slice(0, 500) };
}

function duplicateOf(errors: SalesforceError[]): string | undefined {
  for (const error of errors) {
    if (error.statusCode !== 'DUPLICATES_DETECTED') continue;
    for (const match of error.duplicateResult?.matchResults ?? [])
      for (const record of match.matchRecords ?? []) if (record.record?.Id) return record.record.Id;
  }
  return undefined;
}

function saveResults(response: CrmResponse, what: string, expected: number): SaveResult[] {
  assertOk(response, what);
  const { body } = response;
  if (Array.isArray(body) && body.length === expected && body.every(isSaveResult)) return body;
  throw unreadableAnswer(response, what, `one save result for each of ${expected} records`);
}

/** Saves a record though a duplicate rule matches it (a rule that only alerts; one that blocks still refuses). */
const ALLOW_DUPLICATES = { 'sforce-duplicate-rule-header': 'allowSave=true' };

/**
 * `asNew`: Salesforce will create these Leads, so they take the placeholders. `allowDuplicates`:
 * saved even where a duplicate rule matches another record.
 */
async function upsertLeads(
  context: ConnectorContext,
  items: SyncItem[],
  { asNew = false, allowDuplicates = false } = {},
): Promise<SaveResult[]> {
  const response = await context.request({
    method: 'PATCH',
    url: joinUrl(base(context), `${DATA}/composite/sobjects/Lead/${EXTERNAL_ID_FIELD}`),
    headers: { ...(await auth(context)), ...(allowDuplicates ? ALLOW_DUPLICATES : {}) },
    json: {
      allOrNone: false,
      records: items.map((item) => ({
        ...fieldsOf(context, item, !asNew && item.previous?.externalId !== undefined),
        attributes: { type: 'Lead' },
        [EXTERNAL_ID_FIELD]: item.leadId,
      })),
    },
  });
  return saveResults(response, 'Salesforce upsert', items.length);
}

/** A Lead Salesforce refused as a duplicate of `recordId`, which it then becomes. */
interface DuplicateLink {
  index: number;
  item: SyncItem;
  recordId: string;
}

/** The Leadflow lead each record holds ('' for none), by record id; records it cannot read are left out. */
async function holdersOf(
  context: ConnectorContext,
  recordIds: string[],
): Promise<Map<string, string>> {
  const ids = [...new Set(recordIds)];
  const response = await context.request({
    method: 'GET',
    url: joinUrl(
      base(context),
      `${DATA}/composite/sobjects/Lead?ids=${ids.map(encodeURIComponent).join(',')}&fields=Id,${EXTERNAL_ID_FIELD}`,
    ),
    headers: await auth(context),
  });
  assertOk(response, 'Salesforce read of duplicates');
  const { body } = response;
  if (!Array.isArray(body) || body.length !== ids.length)
    // A read changes nothing: the leads are retried without waiting out a hold.
    throw unreadableAnswer(response, 'Salesforce read of duplicates', `${ids.length} records`, {
      mayHaveReachedCrm: false,
    });
  const holders = new Map<string, string>();
  body.forEach((record: unknown, i) => {
    if (typeof record !== 'object' || record === null) return;
    const holder = (record as Record<string, unknown>)[EXTERNAL_ID_FIELD];
    holders.set(ids[i]!, typeof holder === 'string' ? holder : '');
  });
  return holders;
}

/**
 * The duplicates each lead may become: a record no other lead holds, once per batch. The others
 * keep (or get) a record of their own.
 */
async function sortDuplicates(
  context: ConnectorContext,
  duplicates: DuplicateLink[],
): Promise<{ links: DuplicateLink[]; ownRecords: DuplicateLink[] }> {
  const ownRecords = duplicates.filter(({ item }) => item.previous?.externalId !== undefined);
  const candidates = duplicates.filter(({ item }) => item.previous?.externalId === undefined);
  if (candidates.length === 0) return { links: [], ownRecords };
  const holders = await holdersOf(
    context,
    candidates.map(({ recordId }) => recordId),
  );
  const taken = new Set<string>();
  const links: DuplicateLink[] = [];
  for (const candidate of candidates) {
    const holder = holders.get(candidate.recordId);
    const free = holder === '' || holder === candidate.item.leadId;
    if (free && !taken.has(candidate.recordId)) {
      taken.add(candidate.recordId);
      links.push(candidate);
    } else ownRecords.push(candidate);
  }
  return { links, ownRecords };
}

async function saveDespiteDuplicates(
  context: ConnectorContext,
  duplicates: DuplicateLink[],
  results: ItemResult[],
): Promise<void> {
  const saves = await upsertLeads(
    context,
    duplicates.map(({ item }) => item),
    { allowDuplicates: true },
  );
  saves.forEach((saved, i) => {
    results[duplicates[i]!.index] = saved.success
      ? { state: 'synced', externalId: saved.id }
      : recordError(saved.errors);
  });
}

async function linkDuplicates(
  context: ConnectorContext,
  links: DuplicateLink[],
  results: ItemResult[],
): Promise<void> {
  const response = await context.request({
    method: 'PATCH',
    url: joinUrl(base(context), `${DATA}/composite/sobjects`),
    headers: { ...(await auth(context)), ...ALLOW_DUPLICATES },
    json: {
      allOrNone: false,
      records: links.map(({ item, recordId }) => ({
        ...fieldsOf(context, item, true),
        attributes: { type: 'Lead' },
        id: recordId,
        [EXTERNAL_ID_FIELD]: item.leadId,
      })),
    },
  });
  saveResults(response, 'Salesforce update', links.length).forEach((saved, i) => {
    const link = links[i]!;
    results[link.index] = saved.success
      ? { state: 'synced', externalId: link.recordId }
      : recordError(saved.errors);
  });
}

export const salesforceConnector: Connector = {
  type: 'salesforce',
  maxBatch: 200,
  // Salesforce limits requests per 24 h and long-running requests at once, not per second;
  // 10 per second keeps a burst of leads well inside both.
  defaultLimit: { max: 10, intervalMs: 1_000 },
  reportsLimits: false,
  requestsPerBatch: 1,

  credentialsProblem: (credentials) => {
    if (!credentials.instanceUrl) return 'a Salesforce instanceUrl is required';
    if (usesRefreshToken(credentials))
      return credentials.clientId && credentials.clientSecret
        ? undefined
        : 'a Salesforce refreshToken needs the connected app’s clientId and clientSecret';
    return (credentials.accessToken?.length ?? 0) >= 10
      ? undefined
      : 'a Salesforce accessToken, or a refreshToken with clientId and clientSecret, is required';
  },

  forget: (connection) => forgetSession(connection.connectionId),

  baseUrl: (connection, credentials) => connection.baseUrl ?? credentials.instanceUrl ?? '',

  observeLimits: () => undefined,

  rateLimitedFor(response) {
    if (response.status === 429) return retryAfterSeconds(response, 30);
    if (response.status !== 403 || !Array.isArray(response.body)) return undefined;
    const limited = (response.body as Array<{ errorCode?: string }>).some(
      (error) => error.errorCode === 'REQUEST_LIMIT_EXCEEDED',
    );
    return limited ? retryAfterSeconds(response, REQUEST_LIMIT_WAIT_SECONDS) : undefined;
  },

  upsert: (context, items) =>
    keepingWritten(items.length, async (results) => {
      const duplicates: DuplicateLink[] = [];
      const record = (saved: SaveResult, index: number): void => {
        if (saved.success) {
          results[index] = { state: 'synced', externalId: saved.id };
          return;
        }
        const duplicate = duplicateOf(saved.errors);
        if (duplicate) duplicates.push({ index, item: items[index]!, recordId: duplicate });
        else results[index] = recordError(saved.errors);
      };
      const saves = await upsertLeads(context, items);
      // A Lead a sales rep deleted is created anew by the upsert, which then needs the placeholders.
      const recreate = new Set(
        saves.flatMap((saved, index) => (lacksRequired(saved) ? [index] : [])),
      );
      saves.forEach((saved, index) => {
        if (!recreate.has(index)) record(saved, index);
      });
      if (recreate.size > 0) {
        const again = await upsertLeads(
          context,
          [...recreate].map((index) => items[index]!),
          { asNew: true },
        );
        [...recreate].forEach((index, i) => record(again[i]!, index));
      }
      if (duplicates.length === 0) return;
      const { links, ownRecords } = await sortDuplicates(context, duplicates);
      if (links.length > 0) await linkDuplicates(context, links, results);
      if (ownRecords.length > 0) await saveDespiteDuplicates(context, ownRecords, results);
    }),

  async erase(context, items) {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    const known = items
      .map((item, index) => ({ item, index, recordId: item.previous?.externalId }))
      .filter((entry): entry is typeof entry & { recordId: string } => Boolean(entry.recordId));
    if (known.length > 0) {
      const ids = known.map((entry) => encodeURIComponent(entry.recordId)).join(',');
      const response = await context.request({
        method: 'DELETE',
        url: joinUrl(base(context), `${DATA}/composite/sobjects?ids=${ids}&allOrNone=false`),
        headers: await auth(context),
      });
      saveResults(response, 'Salesforce delete', known.length).forEach((deleted, i) => {
        results[known[i]!.index] =
          deleted.success || ALREADY_GONE.has(deleted.errors[0].statusCode)
            ? { state: 'synced' }
            : recordError(deleted.errors);
      });
    }
    const unknown = items
      .map((item, index) => ({ item, index }))
      .filter(({ index }) => results[index] === undefined);
    const byExternalId = await eachItem(
      unknown.map(({ item }) => item),
      async (item) => {
        const response = await context.request({
          method: 'DELETE',
          url: joinUrl(
            base(context),
            `${DATA}/sobjects/Lead/${EXTERNAL_ID_FIELD}/${encodeURIComponent(item.leadId)}`,
          ),
          headers: await auth(context),
        });
        if (response.status === 404) return { state: 'synced' };
        assertOk(response, 'Salesforce delete');
        if (response.status !== 204)
          throw unreadableAnswer(response, 'Salesforce delete', '204 No Content');
        return { state: 'synced' };
      },
    );
    byExternalId.forEach((result, i) => (results[unknown[i]!.index] = result));
    return results;
  },
};
