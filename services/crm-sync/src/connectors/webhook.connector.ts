import { createHmac } from 'node:crypto';
import {
  assertOk,
  eachItem,
  PermanentCrmError,
  retryAfterSeconds,
  type Connector,
  type ConnectorContext,
  type SyncItem,
} from './connector';
import { mapLead } from './lead-mapping';

/**
 * Signed webhooks. Every change is one POST of JSON to the tenant's URL with:
 * - `Leadflow-Event-Id`: the event's id, the same on every retry of it — receivers deduplicate
 *   on it;
 * - `Leadflow-Timestamp`: Unix seconds when this attempt was signed — receivers refuse old ones;
 * - `Leadflow-Signature: v1=<hex>`: HMAC-SHA256, keyed with the connection's signing secret, of
 *   `<event id>.<timestamp>.<raw body>`.
 * 2xx is delivered; 429 waits for Retry-After; 401/403 reject the credentials (the signing
 * secret); other 4xx (and redirects, never followed) fail; 5xx and network errors are retried.
 */
export const SIGNATURE_HEADER = 'leadflow-signature';
export const TIMESTAMP_HEADER = 'leadflow-timestamp';
export const EVENT_ID_HEADER = 'leadflow-event-id';

export function signWebhook(
  secret: string,
  eventId: string,
  timestamp: number,
  body: string,
): string {
  const mac = createHmac('sha256', secret).update(`${eventId}.${timestamp}.${body}`).digest('hex');
  return `v1=${mac}`;
}

/** What a receiver gets: the change, the lead's mapped properties, nothing of other tenants. */
export function webhookPayload(context: ConnectorContext, item: SyncItem) {
  const base = {
    id: item.eventId,
    type: item.detailType,
    occurredAt: item.occurredAt,
    connectionId: context.connection.connectionId,
  };
  if (!item.lead) return { ...base, lead: { id: item.leadId, version: item.version } };
  const { lead } = item;
  return {
    ...base,
    lead: {
      id: lead.id,
      version: lead.version,
      status: lead.status,
      source: lead.source,
      isTest: lead.isTest,
      createdAt: lead.createdAt,
      updatedAt: lead.updatedAt,
      ...(lead.formId ? { formId: lead.formId } : {}),
      ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
      changedFields: item.changedFields,
      properties: mapLead(lead, context.connection.fieldMapping, item.changedFields, {
        cleared: null,
      }),
    },
  };
}

async function deliver(context: ConnectorContext, item: SyncItem) {
  const body = JSON.stringify(webhookPayload(context, item));
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await context.request({
    method: 'POST',
    url: context.credentials.url ?? '',
    body,
    headers: {
      [EVENT_ID_HEADER]: item.eventId,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(
        context.credentials.signingSecret ?? '',
        item.eventId,
        timestamp,
        body,
      ),
    },
  });
  if (response.status >= 300 && response.status < 400)
    throw new PermanentCrmError(
      response.status,
      `the webhook redirected (${response.status}); redirects are not followed`,
    );
  assertOk(response, 'the webhook');
  return { state: 'synced' as const };
}

export const webhookConnector: Connector = {
  type: 'webhook',
  maxBatch: 1,
  defaultLimit: { max: 20, intervalMs: 1_000 },
  reportsLimits: false,
  requestsPerBatch: 1,

  credentialsProblem: (credentials) =>
    credentials.url && (credentials.signingSecret?.length ?? 0) >= 16
      ? undefined
      : 'a webhook url and a signingSecret of 16+ characters are required',

  baseUrl: (_connection, credentials) => credentials.url ?? '',

  observeLimits: () => undefined,

  rateLimitedFor: (response) =>
    response.status === 429 ? retryAfterSeconds(response, 30) : undefined,

  upsert: (context, items) => eachItem(items, (item) => deliver(context, item)),
  erase: (context, items) => eachItem(items, (item) => deliver(context, item)),
};
