import type { CrmConnectionItem, LeadSnapshot } from '@leadflow/contracts';
import type { ConnectorContext, Credentials, SyncItem } from '../connector';
import type { CrmRequest, CrmResponse } from '../crm-http';

/** A tenant's connection of `type` to a CRM at crm.example.com. */
export function testConnection(
  type: CrmConnectionItem['type'],
  fieldMapping: Record<string, string>,
): CrmConnectionItem {
  return {
    tenantId: 't1',
    connectionId: '01JDQ5B2C3D4E5F6G7H8J9K0MN',
    type,
    name: type,
    enabled: true,
    baseUrl: 'https://crm.example.com',
    fieldMapping,
    secretName: 'x',
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Lead n as created, with `fields`; `version` 1 unless changed since. */
export function leadSnapshot(n: number, fields: LeadSnapshot['fields'], version = 1): LeadSnapshot {
  return {
    id: `LEAD${n}`,
    status: 'new',
    source: 'form',
    fields,
    custom: {},
    isTest: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: version === 1 ? '2026-01-01T00:00:00.000Z' : '2026-01-02T00:00:00.000Z',
    version,
  };
}

/** The change of `lead` to its version: created (every field) at 1, else updated. */
export function changeOf(lead: LeadSnapshot, changes: Partial<SyncItem> = {}): SyncItem {
  return {
    leadId: lead.id,
    version: lead.version,
    eventId: `EV${lead.id}`,
    detailType: lead.version === 1 ? 'lead.created' : 'lead.updated',
    occurredAt: lead.updatedAt,
    lead,
    changedFields: ['*'],
    ...changes,
  };
}

/** A CRM answer as crm-http reads it: JSON `body` when given. */
export function crmAnswer(
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
  errorSummary?: string,
): CrmResponse {
  return {
    status,
    headers,
    text: body === undefined ? '' : JSON.stringify(body),
    body,
    errorSummary,
  };
}

/** A context whose CRM is a function of the request (no network); `sent` lists the requests. */
export function contextFor(
  connection: CrmConnectionItem,
  respond: (request: CrmRequest) => CrmResponse,
  credentials: Credentials = { accessToken: 'token-0123456789', apiToken: 'token-0123456789' },
): ConnectorContext & { sent: CrmRequest[] } {
  const sent: CrmRequest[] = [];
  return {
    connection,
    credentials,
    sent,
    request: async (request) => {
      sent.push(request);
      return respond(request);
    },
  };
}
