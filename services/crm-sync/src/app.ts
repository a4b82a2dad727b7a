import { authSettings, createAuthenticator, createTokenVerifier } from '@leadflow/auth';
import {
  awsReadiness,
  createApp,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import type { CrmSyncConfig } from './config';

export const SERVICE = 'crm-sync';

export interface CrmSyncDeps {
  config: CrmSyncConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export function buildApp({ config, logger, aws, validateResponses }: CrmSyncDeps): ServiceApp {
  const verifier = createTokenVerifier(authSettings(config, config.NODE_ENV));
  const ready = awsReadiness(aws);
  return createApp({
    service: SERVICE,
    logger,
    routes: [],
    authenticate: createAuthenticator({ verifier }),
    readinessChecks: [
      ready.table(config.LEADS_TABLE),
      ready.table(config.TENANTS_TABLE),
      ready.queue(config.CRM_SYNC_QUEUE_URL),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
}
