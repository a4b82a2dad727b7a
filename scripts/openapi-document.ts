import {
  buildOpenApiDocument,
  livenessOperation,
  readinessOperation,
  type Operation,
} from '@leadflow/core';
import { operations as crmSync } from '../services/crm-sync/src/openapi';
import { operations as ingestion } from '../services/ingestion/src/openapi';
import { operations as leads } from '../services/leads/src/openapi';
import { operations as tenantConfig } from '../services/tenant-config/src/openapi';

/** Which service answers which operations: the ALB routes by these path prefixes. */
export const operationsByService: Record<string, readonly Operation[]> = {
  ingestion,
  leads,
  'crm-sync': crmSync,
  'tenant-config': tenantConfig,
};

export function openApiDocument() {
  return buildOpenApiDocument(
    {
      title: 'Leadflow API',
      version: '1.0.0',
      description: [
        'Multi-tenant lead management: ingestion of form submissions and partner leads, lead CRUD for sales teams, tenant configuration, CRM sync.',
        '',
        'Every error is an RFC 9457 `application/problem+json` document; validation errors list each failing field in `errors`.',
        'Lists are paginated with `limit` (1–100, default 25) and the opaque `cursor` from the previous page’s `nextCursor`.',
        'Updates need `If-Match` with the ETag you read (428 without it, 412 when stale).',
        'The tenant always comes from the token (or the API key, or the public form key); a resource of another tenant answers 404.',
      ].join('\n'),
      servers: [
        {
          url: 'https://api.leadflow.example',
          description: 'Production (set by the ALB domain of terraform/envs/prod)',
        },
        { url: 'http://localhost:3001', description: '`make dev`: ingestion' },
        { url: 'http://localhost:3002', description: '`make dev`: leads' },
        { url: 'http://localhost:3003', description: '`make dev`: crm-sync' },
        { url: 'http://localhost:3004', description: '`make dev`: tenant-config' },
      ],
      tags: [
        {
          name: 'ingestion',
          description: 'Public form submissions, server-to-server leads and ad-platform webhooks.',
        },
        { name: 'leads', description: 'Leads, notes, activities, assignment, export and erasure.' },
        { name: 'tenant', description: 'Tenants, settings and branding.' },
        { name: 'forms', description: 'Forms and their published configs.' },
        { name: 'api-keys', description: 'Tenant API keys for server-to-server ingestion.' },
        { name: 'crm-connections', description: 'CRM connections and their field mappings.' },
        { name: 'members', description: 'Tenant members and their roles.' },
        { name: 'crm-sync', description: 'CRM sync operations.' },
        { name: 'operations', description: 'Health checks answered by every service.' },
      ],
    },
    [livenessOperation, readinessOperation, ...Object.values(operationsByService).flat()],
  );
}

export const OPENAPI_PATH = 'openapi.json';

export function serialise(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
