import type { LocalResources } from './bootstrap';

/**
 * The environment variables that point the services at bootstrapped local resources.
 * In AWS, Terraform sets the same variables from its own resources.
 */
export function localEnvironment(resources: LocalResources): Record<string, string> {
  return {
    AWS_REGION: resources.region,
    AWS_ENDPOINT_URL: resources.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LEADS_TABLE: resources.tables.leads,
    TENANTS_TABLE: resources.tables.tenants,
    RUNTIME_TABLE: resources.tables.runtime,
    EVENT_BUS_NAME: resources.busName,
    LEAD_INTAKE_QUEUE_URL: resources.queues['lead-intake'].url,
    LEAD_INTAKE_DLQ_URL: resources.deadLetterQueues['lead-intake'].url,
    CRM_SYNC_QUEUE_URL: resources.queues['crm-sync'].url,
    CRM_SYNC_DLQ_URL: resources.deadLetterQueues['crm-sync'].url,
    ASSETS_BUCKET: resources.bucket,
    ASSETS_PUBLIC_URL: `${resources.endpoint.replace(/\/$/, '')}/${resources.bucket}`,
    COGNITO_USER_POOL_ID: resources.userPoolId,
    SECRETS_PREFIX: `${resources.prefix}leadflow/`,
    AUTH_PROVIDER: 'cognito',
    AUTH_ISSUER: resources.issuer,
    AUTH_AUDIENCE: resources.appClientId,
    AUTH_JWKS_URI: resources.jwksUri,
  };
}
