import { randomUUID } from 'node:crypto';
import { asRecord, bearer, json, type CrmDialect, type FakeRoute } from './fake-http';
import type { FakeCrmState, HubSpotContact } from './fake-state';

/** HubSpot CRM v3 contacts: batch upsert by e-mail, batch update by id, and the GDPR delete. */

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

/** What HubSpot refuses of a batch as a whole: its size, a repeated id, an unknown property. */
function batchProblem(state: FakeCrmState, inputs: Input[], ids: string[]) {
  if (inputs.length === 0 || inputs.length > 100)
    return error(
      400,
      'VALIDATION_ERROR',
      `inputs must hold 1 to 100 records (got ${inputs.length})`,
    );
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
  return undefined;
}

const propertiesOf = (input: Input): Record<string, string> =>
  Object.fromEntries(Object.entries(asRecord(input.properties)).map(([k, v]) => [k, String(v)]));

const traceIdOf = (input: Input) =>
  typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;

/** Writes the properties ('' clears one) and answers the contact as a batch result. */
function write(contact: HubSpotContact, properties: Record<string, string>, now: string) {
  for (const [name, value] of Object.entries(properties)) {
    if (value === '') delete contact.properties[name];
    else contact.properties[name] = value;
  }
  contact.updatedAt = now;
  contact.writes += 1;
  return {
    id: contact.id,
    properties: { ...contact.properties, hs_object_id: contact.id },
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: false,
  };
}

function upsert(state: FakeCrmState, token: string, body: unknown) {
  const inputs = inputsOf(body);
  const ids = inputs.map((input) => String(input.id ?? '').toLowerCase());
  const problem = batchProblem(state, inputs, ids);
  if (problem) return problem;
  const now = new Date().toISOString();
  const results: unknown[] = [];
  const errors: unknown[] = [];
  inputs.forEach((input, index) => {
    const email = ids[index]!;
    const traceId = traceIdOf(input);
    const properties = propertiesOf(input);
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
    results.push({
      ...write(contact, { ...properties, email }, now),
      new: created,
      ...(traceId ? { objectWriteTraceId: traceId } : {}),
    });
  });
  const answer = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
  return errors.length > 0
    ? json(207, { ...answer, numErrors: errors.length, errors })
    : json(200, answer);
}

/**
 * By record id. Modelled all or nothing (HubSpot does not document per-record errors here): an
 * id the token does not have answers OBJECT_NOT_FOUND, a new e-mail another contact holds 409 in
 * the shape HubSpot's contacts API answers it, and nothing of the batch is written.
 */
function update(state: FakeCrmState, token: string, body: unknown) {
  const inputs = inputsOf(body);
  const ids = inputs.map((input) => String(input.id ?? ''));
  const problem = batchProblem(state, inputs, ids);
  if (problem) return problem;
  const contacts = ids.map((id) => state.hubspotContacts.get(id));
  const missing = ids.filter((_, index) => contacts[index]?.token !== token);
  if (missing.length > 0)
    return json(404, {
      status: 'error',
      message:
        'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
      correlationId: randomUUID(),
      context: { ids: missing },
      category: 'OBJECT_NOT_FOUND',
    });
  for (const [index, input] of inputs.entries()) {
    const email = propertiesOf(input).email?.toLowerCase();
    const holder = email ? findByEmail(state, token, email) : undefined;
    if (holder && holder.id !== ids[index])
      return json(409, {
        status: 'error',
        message: `Contact already exists. Existing ID: ${holder.id}`,
        correlationId: randomUUID(),
        category: 'OBJECT_ALREADY_EXISTS',
        error: 'CONTACT_EXISTS',
        errors: [
          {
            message: `A contact with email ${email} already exists. Existing ID: ${holder.id}`,
            in: 'email',
          },
        ],
      });
  }
  const now = new Date().toISOString();
  const results = inputs.map((input, index) => {
    const properties = propertiesOf(input);
    if (properties.email) properties.email = properties.email.toLowerCase();
    const traceId = traceIdOf(input);
    return {
      ...write(contacts[index]!, properties, now),
      ...(traceId ? { objectWriteTraceId: traceId } : {}),
    };
  });
  return json(200, { status: 'COMPLETE', results, startedAt: now, completedAt: now });
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
    pattern: /^\/crm\/v3\/objects\/contacts\/batch\/update$/,
    handle: (request, _match, token, state) => update(state, token, request.body),
    emails: (request) =>
      inputsOf(request.body).flatMap((input) => {
        const email = propertiesOf(input).email;
        return email ? [email.toLowerCase()] : [];
      }),
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
