import {
  assertOk,
  eachItem,
  erasureWithoutId,
  joinUrl,
  retryAfterSeconds,
  type Connector,
  type ConnectorContext,
  type ObservedLimits,
  type SyncItem,
} from './connector';
import type { CrmResponse, HttpMethod } from './crm-http';
import { displayName, mapLead, type MappedValue } from './lead-mapping';

/**
 * Pipedrive API v1 (`/api/v1/...`, `api_token` as a query parameter):
 * - a lead needs a person or an organisation, so a lead becomes a person
 *   (POST /persons, PUT /persons/{id}; `email` and `phone` as `[{value, primary, label}]`)
 *   and a lead linked to it (POST /leads `{title, person_id, origin_id}`, PATCH /leads/{id}),
 *   and its message a note on the lead (POST /notes `{content, lead_id}`);
 * - Pipedrive has no upsert, so crm-sync keeps both ids in the sync status
 *   (`person/<id>/lead/<uuid>`, or `person/<id>` while half done) and, when it knows none,
 *   looks before it creates: GET /persons/search (exact e-mail) and GET /leads?person_id=…
 *   matched on `origin_id`, which holds the Leadflow lead id. A retried change never makes a
 *   second person or lead.
 * - limits are per token in 2-second windows (20 requests on the smallest plan), reported in
 *   x-ratelimit-limit/-remaining/-reset; 429 carries Retry-After.
 */
export const PIPEDRIVE_API = 'https://api.pipedrive.com';
const V1 = '/api/v1';
const WINDOW_MS = 2_000;

/** Mapping targets that belong to the lead rather than the person. */
const LEAD_LEVEL = new Set(['title', 'org_name', 'note']);

interface Ids {
  personId?: number;
  leadId?: string;
}

export function parseExternalId(externalId: string | undefined): Ids {
  const match = /^person\/(\d+)(?:\/lead\/([0-9a-f-]{36}))?$/i.exec(externalId ?? '');
  if (!match) return {};
  return { personId: Number(match[1]), ...(match[2] ? { leadId: match[2] } : {}) };
}

export function formatExternalId(ids: Ids): string | undefined {
  if (ids.personId === undefined) return undefined;
  return ids.leadId ? `person/${ids.personId}/lead/${ids.leadId}` : `person/${ids.personId}`;
}

function header(response: CrmResponse, name: string): number | undefined {
  const value = Number(response.headers[name]);
  return response.headers[name] !== undefined && Number.isFinite(value) ? value : undefined;
}

class PipedriveClient {
  constructor(private readonly context: ConnectorContext) {}

  async call(
    method: HttpMethod,
    path: string,
    what: string,
    options: { query?: Record<string, string>; json?: unknown; allow404?: boolean } = {},
  ): Promise<{ status: number; data: unknown }> {
    const query = new URLSearchParams({
      ...options.query,
      api_token: this.context.credentials.apiToken ?? '',
    });
    const base = this.context.connection.baseUrl ?? PIPEDRIVE_API;
    const response = await this.context.request({
      method,
      url: `${joinUrl(base, `${V1}${path}`)}?${query.toString()}`,
      ...(options.json === undefined ? {} : { json: options.json }),
    });
    if (response.status === 404 && options.allow404) return { status: 404, data: undefined };
    assertOk(response, `Pipedrive ${what}`);
    return {
      status: response.status,
      data: (response.body as { data?: unknown } | undefined)?.data,
    };
  }
}

function idOf(data: unknown): unknown {
  return data && typeof data === 'object' ? (data as { id?: unknown }).id : undefined;
}

function valueList(value: MappedValue): Array<{ value: string; primary: boolean; label: string }> {
  const values = Array.isArray(value) ? value : [String(value)];
  return values.map((v, i) => ({ value: v, primary: i === 0, label: 'work' }));
}

function bodies(context: ConnectorContext, item: SyncItem) {
  const lead = item.lead!;
  const mapped = mapLead(lead, context.connection.fieldMapping, item.changedFields, {
    cleared: null,
  });
  const person: Record<string, unknown> = { name: displayName(lead) };
  const leadLevel: Record<string, MappedValue> = {};
  for (const [property, value] of Object.entries(mapped)) {
    if (LEAD_LEVEL.has(property)) {
      if (value !== null) leadLevel[property] = value;
    } else if ((property === 'email' || property === 'phone') && value !== null) {
      person[property] = valueList(value);
    } else {
      person[property] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  const company = leadLevel.org_name === undefined ? '' : ` – ${String(leadLevel.org_name)}`;
  const title =
    leadLevel.title === undefined ? `${displayName(lead)}${company}` : String(leadLevel.title);
  const note = leadLevel.note === undefined ? undefined : String(leadLevel.note);
  return { person, title, note, email: lead.fields.email };
}

async function findPerson(
  client: PipedriveClient,
  field: 'email' | 'phone',
  term: string,
): Promise<number | undefined> {
  const { data } = await client.call('GET', '/persons/search', 'person search', {
    query: { term, fields: field, exact_match: 'true', limit: '1' },
  });
  const items = (data as { items?: Array<{ item?: { id?: unknown } }> } | undefined)?.items;
  const id = items?.[0]?.item?.id;
  return typeof id === 'number' ? id : undefined;
}

async function findLead(
  client: PipedriveClient,
  personId: number,
  leadflowId: string,
): Promise<string | undefined> {
  const { data } = await client.call('GET', '/leads', 'lead list', {
    query: { person_id: String(personId), limit: '500' },
  });
  const leads = Array.isArray(data) ? (data as Array<{ id?: unknown; origin_id?: unknown }>) : [];
  const ours = leads.find((lead) => lead.origin_id === leadflowId);
  return typeof ours?.id === 'string' ? ours.id : undefined;
}

/**
 * How a person made before may be found: by e-mail; without one, by phone, but only after an
 * earlier attempt (every attempt claims the status first) that recorded no id: its person
 * create may have landed with its answer lost, and a second person would escape an erasure.
 */
function personLookupOf(
  item: SyncItem,
  email: string | undefined,
): ['email' | 'phone', string] | undefined {
  if (email) return ['email', email];
  const phone = item.lead?.fields.phone;
  return item.previous !== undefined && phone ? ['phone', phone] : undefined;
}

async function upsertOne(
  context: ConnectorContext,
  item: SyncItem,
  progress: (externalId: string) => void,
) {
  const client = new PipedriveClient(context);
  const { person, title, note, email } = bodies(context, item);
  const ids = parseExternalId(item.previous?.externalId);
  let personId = ids.personId;
  let looked = false;
  const lookup = personLookupOf(item, email);
  if (personId === undefined && lookup) {
    personId = await findPerson(client, ...lookup);
    looked = personId !== undefined;
  }
  if (personId !== undefined) {
    const updated = await client.call('PUT', `/persons/${personId}`, 'person update', {
      json: person,
      allow404: true,
    });
    if (updated.status === 404) personId = undefined;
  }
  let createdPerson = false;
  if (personId === undefined) {
    const created = await client.call('POST', '/persons', 'person create', { json: person });
    const id = idOf(created.data);
    if (typeof id !== 'number') throw new Error('Pipedrive created a person without an id');
    personId = id;
    createdPerson = true;
  }
  progress(formatExternalId({ personId })!);

  let leadId = ids.personId === personId ? ids.leadId : undefined;
  // A person found rather than created may already carry this lead from an earlier attempt.
  const recovering = !leadId && !createdPerson && (looked || ids.personId !== undefined);
  if (recovering) leadId = await findLead(client, personId, item.leadId);
  if (leadId) {
    const updated = await client.call('PATCH', `/leads/${leadId}`, 'lead update', {
      json: { title, person_id: personId },
      allow404: true,
    });
    if (updated.status === 404) leadId = undefined;
  }
  let createdLead = false;
  if (!leadId) {
    const created = await client.call('POST', '/leads', 'lead create', {
      json: { title, person_id: personId, origin_id: item.leadId },
    });
    const id = idOf(created.data);
    if (typeof id !== 'string') throw new Error('Pipedrive created a lead without an id');
    leadId = id;
    createdLead = true;
  }
  if (note && (createdLead || recovering)) {
    const existing = createdLead
      ? []
      : ((
          await client.call('GET', '/notes', 'note list', {
            query: { lead_id: leadId, limit: '1' },
          })
        ).data as unknown[] | undefined);
    if (!existing?.length) {
      await client.call('POST', '/notes', 'note create', {
        json: { content: note, lead_id: leadId },
      });
    }
  }
  return { state: 'synced' as const, externalId: formatExternalId({ personId, leadId })! };
}

export const pipedriveConnector: Connector = {
  type: 'pipedrive',
  maxBatch: 1,
  defaultLimit: { max: 20, intervalMs: WINDOW_MS },
  reportsLimits: true,
  requestsPerBatch: 3,

  credentialsProblem: (credentials) =>
    (credentials.apiToken?.length ?? 0) >= 10 ? undefined : 'a Pipedrive apiToken is required',

  baseUrl: (connection) => connection.baseUrl ?? PIPEDRIVE_API,

  observeLimits(response): ObservedLimits | undefined {
    const max = header(response, 'x-ratelimit-limit');
    const remaining = header(response, 'x-ratelimit-remaining');
    const reset = header(response, 'x-ratelimit-reset');
    if (max === undefined && remaining === undefined) return undefined;
    return {
      intervalMs: WINDOW_MS,
      ...(max === undefined ? {} : { max }),
      ...(remaining === undefined ? {} : { remaining }),
      ...(reset === undefined ? {} : { resetMs: reset * 1000 }),
    };
  },

  rateLimitedFor(response) {
    if (response.status !== 429) return undefined;
    return retryAfterSeconds(response, Math.max(1, header(response, 'x-ratelimit-reset') ?? 2));
  },

  upsert(context, items) {
    return eachItem(items, (item, progress) => upsertOne(context, item, progress));
  },

  erase(context, items) {
    return eachItem(items, async (item) => {
      const client = new PipedriveClient(context);
      const { personId, leadId } = parseExternalId(item.previous?.externalId);
      // Persons are searched by e-mail, which an erasure does not carry; origin_id is not searchable.
      if (personId === undefined) return erasureWithoutId(item);
      if (leadId)
        await client.call('DELETE', `/leads/${leadId}`, 'lead delete', { allow404: true });
      // The person is the one the data is about: erasure removes it too.
      if (personId !== undefined)
        await client.call('DELETE', `/persons/${personId}`, 'person delete', { allow404: true });
      return { state: 'synced' };
    });
  },
};
