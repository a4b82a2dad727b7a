import { randomBytes } from 'node:crypto';
import {
  asRecord,
  bearer,
  json,
  type CrmDialect,
  type FakeAnswer,
  type FakeRequest,
  type FakeRoute,
} from './fake-http';
import type { FakeCrmState, SalesforceLead } from './fake-state';

/** Salesforce REST: Lead records through sObject Collections, any API version. */

const sfError = (status: number, errorCode: string, message: string) =>
  json(status, [{ message, errorCode }]);

/** Access tokens the fake issues for a refresh token; any other bearer is a token of its own. */
const ISSUED_PREFIX = 'sfat_';

export const SALESFORCE_TOKEN_PATH = '/services/oauth2/token';

/**
 * The OAuth token endpoint's refresh token flow: a new access token standing for the refresh
 * token, whose records it reads and writes. A refresh token listed in rejectTokens, or a request
 * without client id and secret, is refused like Salesforce refuses an expired grant.
 */
export function salesforceTokenEndpoint(state: FakeCrmState, request: FakeRequest): FakeAnswer {
  const form = new URLSearchParams(request.rawBody);
  const refreshToken = form.get('refresh_token') ?? '';
  state.requests.push({
    crm: 'salesforce',
    method: request.method,
    path: request.path,
    token: refreshToken,
    status: 0,
    at: Date.now(),
    storm: false,
    limited: false,
    emails: [],
    records: 0,
  });
  const granted =
    form.get('grant_type') === 'refresh_token' &&
    refreshToken !== '' &&
    Boolean(form.get('client_id')) &&
    Boolean(form.get('client_secret')) &&
    !state.settings.rejectTokens.includes(refreshToken);
  const answer = granted
    ? json(200, {
        access_token: `${ISSUED_PREFIX}${randomBytes(12).toString('hex')}`,
        instance_url: 'https://fake.my.salesforce.com',
        token_type: 'Bearer',
        issued_at: String(Date.now()),
      })
    : json(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
  if (granted)
    state.salesforceSessions.set(
      (answer.body as { access_token: string }).access_token,
      refreshToken,
    );
  state.requests.at(-1)!.status = answer.status;
  return answer;
}

export const salesforceDialect: CrmDialect = {
  token: (request, state) => {
    const given = bearer(request);
    if (!given.startsWith(ISSUED_PREFIX)) return given;
    // Issued sessions end when the test ends them (salesforceSessions.clear()).
    return state.salesforceSessions.get(given) ?? '';
  },
  unauthorized: () => sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
  // Salesforce's limit is the org's daily API request count: 403, not 429.
  limited: () => sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
  failure: (status) => sfError(status, 'SERVER_UNAVAILABLE', 'Service temporarily unavailable'),
  limitHeaders: (limit, remaining) => ({
    'sforce-limit-info': `api-usage=${limit.max - remaining}/${limit.max}`,
  }),
};

function newId(): string {
  return `00Q${randomBytes(8).toString('hex').slice(0, 15).toUpperCase()}`;
}

function recordsOf(body: unknown): Array<Record<string, unknown>> {
  const records = asRecord(body).records;
  return Array.isArray(records) ? records.map(asRecord) : [];
}

function fieldsOf(record: Record<string, unknown>): Record<string, unknown> {
  const { attributes: _attributes, id: _id, Id: _Id, ...fields } = record;
  return fields;
}

const failure = (statusCode: string, message: string, fields: string[] = [], extra = {}) => ({
  id: null,
  success: false,
  errors: [{ statusCode, message, fields, ...extra }],
});

function sameEmail(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** A duplicate rule on Lead.Email, as the standard lead duplicate rule would report it. */
function duplicateOf(
  state: FakeCrmState,
  token: string,
  fields: Record<string, unknown>,
  self: string | undefined,
): SalesforceLead | undefined {
  if (!state.settings.salesforceDuplicateRule || !fields.Email) return undefined;
  for (const lead of state.salesforceLeads.values())
    if (lead.token === token && lead.Id !== self && sameEmail(lead.fields.Email, fields.Email))
      return lead;
  return undefined;
}

function duplicateFailure(duplicate: SalesforceLead) {
  return failure('DUPLICATES_DETECTED', 'Use one of these records?', [], {
    duplicateResult: {
      allowSave: false,
      duplicateRule: 'Standard_Lead_Duplicate_Rule',
      duplicateRuleEntityType: 'Lead',
      errorMessage: 'Use one of these records?',
      matchResults: [
        {
          entityType: 'Lead',
          errors: [],
          matchEngine: 'FuzzyMatchEngine',
          matchRecords: [
            {
              additionalInformation: [],
              fieldDiffs: [],
              matchConfidence: 100,
              record: { attributes: { type: 'Lead' }, Id: duplicate.Id },
            },
          ],
          rule: 'Standard_Lead_Match_Rule_v1_0',
          size: 1,
          success: true,
        },
      ],
    },
  });
}

/** `Sforce-Duplicate-Rule-Header: allowSave=true`: the rule (which only alerts here) lets the save through. */
const allowsDuplicates = (request: FakeRequest) =>
  /allowSave=true/i.test(String(request.headers['sforce-duplicate-rule-header'] ?? ''));

function upsert(state: FakeCrmState, token: string, request: FakeRequest, externalField: string) {
  const records = recordsOf(request.body);
  const allowSave = allowsDuplicates(request);
  if (records.length === 0 || records.length > 200)
    return json(400, [
      { message: 'records must hold 1 to 200 records', errorCode: 'EXCEEDED_ID_LIMIT' },
    ]);
  return json(
    200,
    records.map((record) => {
      if (asRecord(record.attributes).type !== 'Lead')
        return failure('INVALID_TYPE', 'attributes.type must be Lead');
      if (record.id !== undefined || record.Id !== undefined)
        return failure('INVALID_FIELD', 'Do not set Id in an upsert on an external id');
      const externalId = record[externalField];
      if (typeof externalId !== 'string' || externalId === '')
        return failure('MISSING_ARGUMENT', `${externalField} not specified`, [externalField]);
      const fields = fieldsOf(record);
      const existing = [...state.salesforceLeads.values()].find(
        (lead) => lead.token === token && lead.fields[externalField] === externalId,
      );
      if (existing) {
        const duplicate = allowSave ? undefined : duplicateOf(state, token, fields, existing.Id);
        if (duplicate) return duplicateFailure(duplicate);
        Object.assign(existing.fields, fields);
        existing.writes += 1;
        return { id: existing.Id, success: true, errors: [], created: false };
      }
      const missing = ['LastName', 'Company'].filter((f) => !fields[f]);
      if (missing.length > 0)
        return failure(
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${missing.join(', ')}]`,
          missing,
        );
      const duplicate = allowSave ? undefined : duplicateOf(state, token, fields, undefined);
      if (duplicate) return duplicateFailure(duplicate);
      const lead: SalesforceLead = { token, Id: newId(), fields, writes: 1 };
      state.salesforceLeads.set(lead.Id, lead);
      return { id: lead.Id, success: true, errors: [], created: true };
    }),
  );
}

function updateById(state: FakeCrmState, token: string, request: FakeRequest) {
  const records = recordsOf(request.body);
  const allowSave = allowsDuplicates(request);
  return json(
    200,
    records.map((record) => {
      const id = String(record.id ?? record.Id ?? '');
      const lead = state.salesforceLeads.get(id);
      if (!lead || lead.token !== token) return failure('ENTITY_IS_DELETED', 'entity is deleted');
      const fields = fieldsOf(record);
      const duplicate = allowSave ? undefined : duplicateOf(state, token, fields, lead.Id);
      if (duplicate) return duplicateFailure(duplicate);
      Object.assign(lead.fields, fields);
      lead.writes += 1;
      return { id: lead.Id, success: true, errors: [] };
    }),
  );
}

function deleteByIds(state: FakeCrmState, token: string, request: FakeRequest) {
  const ids = (request.query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0 || ids.length > 200)
    return json(400, [
      { message: 'ids must name 1 to 200 records', errorCode: 'INVALID_QUERY_FILTER_OPERATOR' },
    ]);
  return json(
    200,
    ids.map((id) => {
      const lead = state.salesforceLeads.get(id);
      if (!lead || lead.token !== token)
        return {
          id,
          success: false,
          errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
        };
      state.salesforceLeads.delete(id);
      return { id, success: true, errors: [] };
    }),
  );
}

/** sObject Collections retrieve: the records, with the fields asked for, in order; null for one it cannot find. */
function retrieve(state: FakeCrmState, token: string, request: FakeRequest) {
  const ids = (request.query.get('ids') ?? '').split(',').filter(Boolean);
  const fields = (request.query.get('fields') ?? '').split(',').filter(Boolean);
  if (ids.length === 0 || fields.length === 0)
    return sfError(400, 'MALFORMED_QUERY', 'ids and fields are required');
  return json(
    200,
    ids.map((id) => {
      const lead = state.salesforceLeads.get(id);
      if (!lead || lead.token !== token) return null;
      const record: Record<string, unknown> = { attributes: { type: 'Lead' } };
      for (const field of fields)
        record[field] = field === 'Id' ? lead.Id : (lead.fields[field] ?? null);
      return record;
    }),
  );
}

function deleteByExternalId(state: FakeCrmState, token: string, field: string, value: string) {
  const lead = [...state.salesforceLeads.values()].find(
    (l) => l.token === token && l.fields[field] === value,
  );
  if (!lead) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  state.salesforceLeads.delete(lead.Id);
  return json(204);
}

const emailsOf = (request: FakeRequest) =>
  recordsOf(request.body)
    .map((record) => record.Email)
    .filter((email): email is string => typeof email === 'string')
    .map((email) => email.toLowerCase());

export const salesforceRoutes: FakeRoute[] = [
  {
    crm: 'salesforce',
    method: 'PATCH',
    pattern: /^\/services\/data\/v\d+\.\d+\/composite\/sobjects\/Lead\/([A-Za-z0-9_]+)$/,
    handle: (request, match, token, state) => upsert(state, token, request, match[1]!),
    emails: emailsOf,
    records: (request) => recordsOf(request.body).length,
  },
  {
    crm: 'salesforce',
    method: 'PATCH',
    pattern: /^\/services\/data\/v\d+\.\d+\/composite\/sobjects$/,
    handle: (request, _match, token, state) => updateById(state, token, request),
    emails: emailsOf,
    records: (request) => recordsOf(request.body).length,
  },
  {
    crm: 'salesforce',
    method: 'GET',
    pattern: /^\/services\/data\/v\d+\.\d+\/composite\/sobjects\/Lead$/,
    handle: (request, _match, token, state) => retrieve(state, token, request),
    records: (request) => (request.query.get('ids') ?? '').split(',').filter(Boolean).length,
  },
  {
    crm: 'salesforce',
    method: 'DELETE',
    pattern: /^\/services\/data\/v\d+\.\d+\/composite\/sobjects$/,
    handle: (request, _match, token, state) => deleteByIds(state, token, request),
    records: (request) => (request.query.get('ids') ?? '').split(',').filter(Boolean).length,
  },
  {
    crm: 'salesforce',
    method: 'DELETE',
    pattern: /^\/services\/data\/v\d+\.\d+\/sobjects\/Lead\/([A-Za-z0-9_]+)\/([^/]+)$/,
    handle: (_request, match, token, state) =>
      deleteByExternalId(state, token, match[1]!, decodeURIComponent(match[2]!)),
    records: () => 1,
  },
];

/** Seeds a Lead as if a sales rep had entered it (for the duplicate rule). */
export function seedSalesforceLead(
  state: FakeCrmState,
  token: string,
  fields: Record<string, unknown>,
): string {
  const lead: SalesforceLead = { token, Id: newId(), fields: { ...fields }, writes: 0 };
  state.salesforceLeads.set(lead.Id, lead);
  return lead.Id;
}
