import { randomUUID } from 'node:crypto';
import { asRecord, json, type CrmDialect, type FakeRequest, type FakeRoute } from './fake-http';
import type { FakeCrmState, PipedrivePerson } from './fake-state';

/** Pipedrive API v1: persons, leads and notes, authenticated by `api_token` in the query. */

const fail = (status: number, error: string) =>
  json(status, {
    success: false,
    error,
    errorCode: status,
    error_info: 'Please check developers.pipedrive.com',
  });
const ok = (data: unknown, status = 200, extra: Record<string, unknown> = {}) =>
  json(status, { success: true, data, ...extra });

export const pipedriveDialect: CrmDialect = {
  token: (request) => request.query.get('api_token') ?? '',
  unauthorized: () => fail(401, 'unauthorized access'),
  limited: (retryAfterSeconds) => ({
    ...fail(429, 'Request over limit'),
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  failure: (status) => fail(status, 'Internal server error'),
  limitHeaders: (limit, remaining, resetMs) => ({
    'x-ratelimit-limit': String(limit.max),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.max(1, Math.ceil(resetMs / 1000))),
    'x-daily-requests-left': '10000',
  }),
};

type Values = PipedrivePerson['email'];

function values(value: unknown): Values {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, i) => {
    const record = asRecord(entry);
    return typeof entry === 'string'
      ? { value: entry, primary: i === 0, label: 'work' }
      : {
          value: String(record.value ?? ''),
          primary: Boolean(record.primary ?? i === 0),
          label: String(record.label ?? 'work'),
        };
  });
}

const view = (person: PipedrivePerson) => {
  const { token: _token, fields, ...rest } = person;
  return { ...fields, ...rest };
};

function mine<T extends { token: string }>(record: T | undefined, token: string): T | undefined {
  return record && record.token === token ? record : undefined;
}

function applyPerson(person: PipedrivePerson, body: Record<string, unknown>): void {
  const { name, email, phone, ...fields } = body;
  if (typeof name === 'string' && name) person.name = name;
  if (email !== undefined) person.email = values(email);
  if (phone !== undefined) person.phone = values(phone);
  Object.assign(person.fields, fields);
}

function createPerson(state: FakeCrmState, token: string, request: FakeRequest) {
  const body = asRecord(request.body);
  if (typeof body.name !== 'string' || body.name === '') return fail(400, 'Name must be given.');
  const person: PipedrivePerson = {
    token,
    id: state.nextId(),
    name: body.name,
    email: [],
    phone: [],
    fields: {},
  };
  applyPerson(person, body);
  state.pipedrivePersons.set(person.id, person);
  return ok(view(person), 201);
}

function updatePerson(state: FakeCrmState, token: string, id: number, request: FakeRequest) {
  const person = mine(state.pipedrivePersons.get(id), token);
  if (!person) return fail(404, 'Person not found');
  applyPerson(person, asRecord(request.body));
  return ok(view(person));
}

function searchPersons(state: FakeCrmState, token: string, request: FakeRequest) {
  const term = (request.query.get('term') ?? '').toLowerCase();
  const exact = request.query.get('exact_match') === 'true';
  const field = request.query.get('fields') === 'phone' ? 'phone' : 'email';
  if (!exact && term.length < 2) return fail(400, 'Search term must be at least 2 characters long');
  const items = [...state.pipedrivePersons.values()]
    .filter((p) => p.token === token)
    .filter((p) =>
      p[field].some((e) =>
        exact ? e.value.toLowerCase() === term : e.value.toLowerCase().includes(term),
      ),
    )
    .map((p) => ({
      result_score: 1,
      item: {
        id: p.id,
        type: 'person',
        name: p.name,
        emails: p.email.map((e) => e.value),
        phones: p.phone.map((e) => e.value),
      },
    }));
  return ok({ items }, 200, {
    additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } },
  });
}

function createLead(state: FakeCrmState, token: string, request: FakeRequest) {
  const body = asRecord(request.body);
  if (typeof body.title !== 'string' || body.title === '') return fail(400, 'Title is required');
  const personId = Number(body.person_id);
  if (!mine(state.pipedrivePersons.get(personId), token))
    return fail(400, 'A lead must be linked to an existing person or organization');
  const lead = {
    token,
    id: randomUUID(),
    title: body.title,
    person_id: personId,
    origin_id: typeof body.origin_id === 'string' ? body.origin_id : null,
  };
  state.pipedriveLeads.set(lead.id, lead);
  const { token: _token, ...data } = lead;
  return ok({ ...data, source_name: 'API', is_archived: false }, 201);
}

function updateLead(state: FakeCrmState, token: string, id: string, request: FakeRequest) {
  const lead = mine(state.pipedriveLeads.get(id), token);
  if (!lead) return fail(404, 'Lead not found');
  const body = asRecord(request.body);
  if (typeof body.title === 'string' && body.title) lead.title = body.title;
  if (body.person_id !== undefined) lead.person_id = Number(body.person_id);
  const { token: _token, ...data } = lead;
  return ok(data);
}

function listLeads(state: FakeCrmState, token: string, request: FakeRequest) {
  const personId = request.query.get('person_id');
  const leads = [...state.pipedriveLeads.values()]
    .filter((l) => l.token === token && (personId === null || l.person_id === Number(personId)))
    .map(({ token: _token, ...lead }) => lead);
  return ok(leads);
}

function remove<K>(map: Map<K, { token: string }>, key: K, token: string, what: string) {
  if (!mine(map.get(key), token)) return fail(404, `${what} not found`);
  map.delete(key);
  return ok({ id: key });
}

function createNote(state: FakeCrmState, token: string, request: FakeRequest) {
  const body = asRecord(request.body);
  const leadId = String(body.lead_id ?? '');
  if (typeof body.content !== 'string' || body.content === '')
    return fail(400, 'Content is required');
  if (!mine(state.pipedriveLeads.get(leadId), token)) return fail(400, 'Lead not found');
  const note = { token, id: state.nextId(), content: body.content, lead_id: leadId };
  state.pipedriveNotes.set(note.id, note);
  const { token: _token, ...data } = note;
  return ok(data, 201);
}

function listNotes(state: FakeCrmState, token: string, request: FakeRequest) {
  const leadId = request.query.get('lead_id');
  const notes = [...state.pipedriveNotes.values()]
    .filter((n) => n.token === token && (leadId === null || n.lead_id === leadId))
    .map(({ token: _token, ...note }) => note);
  return ok(notes.length > 0 ? notes : null);
}

const personEmails = (request: FakeRequest) =>
  values(asRecord(request.body).email).map((e) => e.value.toLowerCase());

export const pipedriveRoutes: FakeRoute[] = [
  {
    crm: 'pipedrive',
    method: 'GET',
    pattern: /^\/api\/v1\/persons\/search$/,
    handle: (request, _m, token, state) => searchPersons(state, token, request),
    emails: (request) => [(request.query.get('term') ?? '').toLowerCase()],
  },
  {
    crm: 'pipedrive',
    method: 'POST',
    pattern: /^\/api\/v1\/persons$/,
    handle: (request, _m, token, state) => createPerson(state, token, request),
    emails: personEmails,
    records: () => 1,
  },
  {
    crm: 'pipedrive',
    method: 'PUT',
    pattern: /^\/api\/v1\/persons\/(\d+)$/,
    handle: (request, m, token, state) => updatePerson(state, token, Number(m[1]), request),
    emails: personEmails,
    records: () => 1,
  },
  {
    crm: 'pipedrive',
    method: 'DELETE',
    pattern: /^\/api\/v1\/persons\/(\d+)$/,
    handle: (_request, m, token, state) =>
      remove(state.pipedrivePersons, Number(m[1]), token, 'Person'),
  },
  {
    crm: 'pipedrive',
    method: 'GET',
    pattern: /^\/api\/v1\/leads$/,
    handle: (request, _m, token, state) => listLeads(state, token, request),
  },
  {
    crm: 'pipedrive',
    method: 'POST',
    pattern: /^\/api\/v1\/leads$/,
    handle: (request, _m, token, state) => createLead(state, token, request),
    records: () => 1,
  },
  {
    crm: 'pipedrive',
    method: 'PATCH',
    pattern: /^\/api\/v1\/leads\/([0-9a-f-]{36})$/,
    handle: (request, m, token, state) => updateLead(state, token, m[1]!, request),
    records: () => 1,
  },
  {
    crm: 'pipedrive',
    method: 'DELETE',
    pattern: /^\/api\/v1\/leads\/([0-9a-f-]{36})$/,
    handle: (_request, m, token, state) => remove(state.pipedriveLeads, m[1]!, token, 'Lead'),
  },
  {
    crm: 'pipedrive',
    method: 'GET',
    pattern: /^\/api\/v1\/notes$/,
    handle: (request, _m, token, state) => listNotes(state, token, request),
  },
  {
    crm: 'pipedrive',
    method: 'POST',
    pattern: /^\/api\/v1\/notes$/,
    handle: (request, _m, token, state) => createNote(state, token, request),
    records: () => 1,
  },
];
