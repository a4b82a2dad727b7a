import {
  buildOpenApiDocument,
  livenessOperation,
  readinessOperation,
  type Json,
  type Operation,
} from '@leadflow/core';
import { operations as crmSync } from '../services/crm-sync/src/openapi';
import { operations as ingestion } from '../services/ingestion/src/openapi';
import { operations as leads } from '../services/leads/src/openapi';
import { operations as tenantConfig } from '../services/tenant-config/src/openapi';
import { SERVICE_PORTS } from './demo-data';

/** Which service answers which operations: the ALB routes by these path prefixes. */
export const operationsByService: Record<keyof typeof SERVICE_PORTS, readonly Operation[]> = {
  ingestion,
  leads,
  'crm-sync': crmSync,
  'tenant-config': tenantConfig,
};

const SERVICES = Object.keys(SERVICE_PORTS) as Array<keyof typeof SERVICE_PORTS>;

const PRODUCTION = {
  url: 'https://api.leadflow.example',
  description: 'Production (set by the ALB domain of terraform/envs/prod)',
};

const localServer = (service: keyof typeof SERVICE_PORTS) => ({
  url: `http://localhost:${SERVICE_PORTS[service]}`,
  description: `\`make dev\`: ${service}`,
});

/**
 * Production routes every path by its prefix; `make dev` runs each service on its own port, so
 * each path names the one that answers it (a generated client or "try it" then finds it).
 */
function withServerOfEachPath(document: Json): Json {
  const paths = (document as { paths: Record<string, Record<string, unknown>> }).paths;
  for (const service of SERVICES)
    for (const { path } of operationsByService[service]) {
      const item = paths[path];
      if (item) item.servers = [PRODUCTION, localServer(service)];
    }
  return document;
}

export function openApiDocument() {
  const document = buildOpenApiDocument(
    {
      title: 'Leadflow API',
      version: '1.0.0',
      description: [
        'Multi-tenant lead management: ingestion of form submissions and partner leads, lead CRUD for sales teams, tenant configuration, CRM sync.',
        '',
        'Every error is an RFC 9457 `application/problem+json` document; validation errors list each failing field in `errors`.',
        'Lists are paginated with `limit` (1–100, default 25) and the opaque `cursor` from the previous page’s `nextCursor`, sent with the same filters.',
        'Updates need `If-Match` with the ETag you read (428 without it, 412 when stale).',
        'A path called with a method it does not answer gets 405 with an `Allow` header.',
        'In front of the APIs, a per-address rate limit (AWS WAF) may answer any request 429 with `Retry-After` and the `rate-limited` problem document, sent as `application/json` and without `RateLimit` headers.',
        'The tenant always comes from the token (or the API key, or the public form key); a resource of another tenant answers 404.',
        'The caller’s role comes from the tenant’s member list, not from the token: a member removed or given another role is refused (403), or gets the new role, at once in the tenant configuration API and within 10 seconds in the leads API, even with a token that has not expired.',
        'Browsers may call the signed-in APIs only from the product UI’s origins, which operations configure (`FRONTEND_ORIGINS`, Terraform `frontend_origins`); the public ingestion endpoints and public form configs follow each form’s `allowedOrigins`.',
      ].join('\n'),
      servers: [PRODUCTION, ...SERVICES.map(localServer)],
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
  return withServerOfEachPath(document);
}

export const OPENAPI_PATH = 'openapi.json';

export function serialise(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
