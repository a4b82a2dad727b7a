import { authSettings, createAuthenticator, createTokenVerifier } from '@leadflow/auth';
import {
  awsReadiness,
  createApp,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import type { TenantConfigConfig } from './config';

export const SERVICE = 'tenant-config';

export interface TenantConfigDeps {
  config: TenantConfigConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export function buildApp({ config, logger, aws, validateResponses }: TenantConfigDeps): ServiceApp {
  const verifier = createTokenVerifier(authSettings(config, config.NODE_ENV));
  const ready = awsReadiness(aws);
  return createApp({
    service: SERVICE,
    logger,
    routes: [],
    authenticate: createAuthenticator({ verifier }),
    readinessChecks: [ready.table(config.TENANTS_TABLE)],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
}
