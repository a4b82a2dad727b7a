import { authSettings, createAuthenticator, createTokenVerifier } from '@leadflow/auth';
import {
  awsReadiness,
  createApp,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import type { LeadsConfig } from './config';

export const SERVICE = 'leads';

export interface LeadsDeps {
  config: LeadsConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export function buildApp({ config, logger, aws, validateResponses }: LeadsDeps): ServiceApp {
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
      ready.bus(config.EVENT_BUS_NAME),
      ready.queue(config.LEAD_INTAKE_QUEUE_URL),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
}
