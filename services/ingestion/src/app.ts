import { createAuthenticator } from '@leadflow/auth';
import {
  awsReadiness,
  createApp,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import type { IngestionConfig } from './config';

export const SERVICE = 'ingestion';

export interface IngestionDeps {
  config: IngestionConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export function buildApp({ config, logger, aws, validateResponses }: IngestionDeps): ServiceApp {
  const ready = awsReadiness(aws);
  return createApp({
    service: SERVICE,
    logger,
    routes: [],
    authenticate: createAuthenticator({}),
    readinessChecks: [
      ready.table(config.TENANTS_TABLE),
      ready.table(config.RUNTIME_TABLE),
      ready.bus(config.EVENT_BUS_NAME),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
}
