import { randomUUID } from 'node:crypto';
import { asRecord, bearer, json, type CrmDialect, type FakeRoute } from './fake-http';
import type { FakeCrmState, HubSpotContact } from './fake-state';

/** HubSpot CRM v3 contacts: batch upsert by e-mail and the GDPR delete. */

const STANDARD_PROPERTIES = new Set([
  'email',
  'firstname',
  'lastname',
  'phone',
  'mobilephone',
  'company',
  'jobtitle',
  'message',
  'website',
  'city',
  'country',
  'lifecyclestage',
  'hs_lead_status',
]);
const LIFECYCLE_STAGES = new Set([
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
]);

const error = (status: number, category: string, message: string) =>
  json(status, {
    status: 'error',
    message,
    correlationId: randomUUID(),
    category,
  });

export const hubspotDialect: CrmDialect = {
  token: bearer,
  unauthorized: () =>
    error(
      401,
      'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
    ),
  limited: (retryAfterSeconds) =>
    json(
      429,
      {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'TEN_SECONDLY_ROLLING',
      },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  failure: (status) => error(status, 'INTERNAL_ERROR', 'internal error'),
  limitHeaders: (limit, remaining) => ({
    'x-hubspot-ratelimit-max': String(limit.max),
    'x-hubspot-ratelimit-remaining': String(remaining),
    'x-hubspot-ratelimit-interval-milliseconds': String(limit.intervalMs),
    'x-hubspot-ratelimit-daily': '250000',
    'x-hubspot-ratelimit-daily-remaining': '249000',
  }),
};

interface Input {
  id?: unknown;
  idProperty?: unknown;
  objectWriteTraceId?: unknown;
  properties?: unknown;
}

function inputsOf(body: unknown): Input[] {
  const inputs = asRecord(body).inputs;
  return Array.isArray(inputs) ? (inputs as Input[]) : [];
}

function findByEmail(
  state: FakeCrmState,
  token: string,
  email: string,
): HubSpotContact | undefined {
  for (const contact of state.hubspotContacts.values())
    if (contact.token === token && contact.properties.email === email) return contact;
  return undefined;
}

function upsert(state: FakeCrmState, token: string, body: unknown) {
  const inputs = inputsOf(body);
  if (inputs.length === 0 || inputs.length > 100)
    return error(
      400,
      'VALIDATION_ERROR',
      `inputs must hold 1 to 100 records (got ${inputs.length})`,
    );
  const ids = inputs.map((input) => String(input.id ?? '').toLowerCase());
  if (new Set(ids).size !== ids.length)
    return error(400, 'VALIDATION_ERROR', 'Duplicate IDs found in batch input');
  const known = new Set([...STANDARD_PROPERTIES, ...state.settings.hubspotProperties]);
  for (const input of inputs) {
    for (const name of Object.keys(asRecord(input.properties))) {
      if (!known.has(name)) {
        return error(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`,
        );
      }
    }
  }
  const now = new Date().toISOString();
  const results: unknown[] = [];
  const errors: unknown[] = [];
  inputs.forEach((input, index) => {
    const email = ids[index]!;
    const traceId =
      typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;
    const properties = Object.fromEntries(
      Object.entries(asRecord(input.properties)).map(([k, v]) => [k, String(v)]),
    );
    const problem =
      input.idProperty !== 'email'
        ? 'idProperty must be a unique property: email'
        : !email.includes('@')
          ? `Email address ${email} is invalid`
          : properties.lifecyclestage && !LIFECYCLE_STAGES.has(properties.lifecyclestage)
            ? `Property values were not valid: ${properties.lifecyclestage} was not one of the allowed options for lifecyclestage`
            : undefined;
    if (problem) {
      errors.push({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: problem,
        context: { ids: [email] },
        ...(traceId ? { objectWriteTraceId: traceId } : {}),
      });
      return;
    }
    let contact = findByEmail(state, token, email);
    const created = !contact;
    if (!contact) {
      contact = {
        token,
        id: String(state.nextId()),
        properties: { email },
        createdAt: now,
        updatedAt: now,
        writes: 0,
      };
      state.hubspotContacts.set(contact.id, contact);
    }
    for (const [name, value] of Object.entries(properties)) {
      if (value === '') delete contact.properties[name];
      else contact.properties[name] = value;
    }
    contact.properties.email = email;
    contact.updatedAt = now;
    contact.writes += 1;
    results.push({
      id: contact.id,
      properties: { ...contact.properties, hs_object_id: contact.id },
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
      archived: false,
      new: created,
      ...(traceId ? { objectWriteTraceId: traceId } : {}),
    });
  });
  const answer = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
  return errors.length > 0
    ? json(207, { ...answer, numErrors: errors.length, errors })
    : json(200, answer);
}

function gdprDelete(state: FakeCrmState, token: string, body: unknown) {
  const { objectId, idProperty } = asRecord(body);
  if (typeof objectId !== 'string' || objectId === '')
    return error(400, 'VALIDATION_ERROR', 'objectId is required');
  const contact =
    idProperty === 'email'
      ? findByEmail(state, token, objectId.toLowerCase())
      : state.hubspotContacts.get(objectId);
  if (!contact || contact.token !== token)
    return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
  state.hubspotContacts.delete(contact.id);
  return json(204);
}

export const hubspotRoutes: FakeRoute[] = [
  {
    crm: 'hubspot',
    method: 'POST',
    pattern: /^\/crm\/v3\/objects\/contacts\/batch\/upsert$/,
    handle: (request, _match, token, state) => upsert(state, token, request.body),
    emails: (request) =>
      inputsOf(request.body).map((input) => String(input.id ?? '').toLowerCase()),
    records: (request) => inputsOf(request.body).length,
  },
  {
    crm: 'hubspot',
    method: 'POST',
    pattern: /^\/crm\/v3\/objects\/contacts\/gdpr-delete$/,
    handle: (request, _match, token, state) => gdprDelete(state, token, request.body),
    records: () => 1,
  },
];
