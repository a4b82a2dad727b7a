import { authSettings, createAuthenticator, createTokenVerifier } from '@leadflow/auth';
import {
  awsReadiness,
  ConfigError,
  createApp,
  documentClient,
  frontendCors,
  originList,
  redrivePolicyReader,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import type { CrmSyncConfig } from './config';
import { ConnectionRepository } from './connections/connection.repository';
import { CredentialStore } from './connections/credential-store';
import { CONNECTORS } from './connectors/connector-registry';
import { CrmHttp } from './connectors/crm-http';
import { redriveRoutes } from './redrive/redrive.routes';
import { SyncDispatcher } from './sync/dispatcher';
import { SyncStatusRepository } from './sync/sync-status.repository';
import { SyncService } from './sync/sync.service';
import { SyncWorker } from './sync/sync.worker';

export const SERVICE = 'crm-sync';

export interface CrmSyncDeps {
  config: CrmSyncConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export interface CrmSyncApp extends ServiceApp {
  worker: SyncWorker;
  /** The CRM HTTP client; closed after the worker stopped. */
  http: CrmHttp;
}

/** The longest backoff: SQS's longest visibility change we use, as for rate-limit waits. */
const MAX_RETRY_DELAY_SECONDS = 900;

/**
 * Backoff after a CRM outage: base × 2^(attempt−1), at most 15 minutes. With the queue's
 * maxReceiveCount of 20 a change rides out an outage of about 2.8 hours before the DLQ.
 */
export function retryDelay(baseSeconds: number) {
  return (receiveCount: number): number =>
    Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
}

/** The redrive API and the sync worker: built here, started by main.ts (and by tests). */
export function buildApp({ config, logger, aws, validateResponses }: CrmSyncDeps): CrmSyncApp {
  const leaseMs = config.CRM_SYNC_LEASE_SECONDS * 1000;
  if (leaseMs <= config.CRM_REQUEST_TIMEOUT_MS)
    throw new ConfigError([
      'CRM_SYNC_LEASE_SECONDS must be longer than CRM_REQUEST_TIMEOUT_MS, or no CRM request could start',
    ]);
  const db = documentClient(aws.dynamodb);
  const http = new CrmHttp({
    timeoutMs: config.CRM_REQUEST_TIMEOUT_MS,
    production: config.NODE_ENV === 'production',
  });
  const retryDelaySeconds = retryDelay(config.CRM_SYNC_RETRY_BASE_SECONDS);
  const statuses = new SyncStatusRepository(db, config.LEADS_TABLE, leaseMs);
  const dispatcher = new SyncDispatcher({
    connectors: CONNECTORS,
    credentials: new CredentialStore(
      aws.secrets,
      config.SECRETS_PREFIX,
      config.CRM_SECRET_CACHE_MS,
    ),
    statuses,
    http,
    logger,
    settings: {
      lingerMs: config.CRM_SYNC_BATCH_LINGER_MS,
      maxQueueWaitMs: config.CRM_SYNC_MAX_QUEUE_WAIT_MS,
      maxRateLimitWaitMs: config.CRM_SYNC_MAX_RATE_LIMIT_WAIT_SECONDS * 1000,
      concurrency: config.CRM_SYNC_CONNECTION_CONCURRENCY,
      leaseMs,
      requestTimeoutMs: config.CRM_REQUEST_TIMEOUT_MS,
    },
    maxReceiveCount: redrivePolicyReader(aws.sqs, config.CRM_SYNC_QUEUE_URL),
  });
  const service = new SyncService({
    connections: new ConnectionRepository(db, config.TENANTS_TABLE, config.CRM_CONNECTION_CACHE_MS),
    dispatcher,
    statuses,
    logger,
    retryDelaySeconds,
    maxWaitMs: config.CRM_SYNC_MAX_RATE_LIMIT_WAIT_SECONDS * 1000,
  });
  const worker = new SyncWorker({
    sqs: aws.sqs,
    queueUrl: config.CRM_SYNC_QUEUE_URL,
    service,
    dispatcher,
    logger,
    concurrency: config.CRM_SYNC_CONCURRENCY,
    visibilityTimeoutSeconds: config.CRM_SYNC_VISIBILITY_TIMEOUT_SECONDS,
    waitTimeSeconds: config.CRM_SYNC_WAIT_SECONDS,
    retryDelaySeconds,
  });
  const ready = awsReadiness(aws);
  const app = createApp({
    service: SERVICE,
    logger,
    routes: redriveRoutes({
      sqs: aws.sqs,
      queueUrl: config.CRM_SYNC_QUEUE_URL,
      dlqUrl: config.CRM_SYNC_DLQ_URL,
    }),
    authenticate: createAuthenticator({
      verifier: createTokenVerifier(authSettings(config, config.NODE_ENV)),
    }),
    beforeRoutes: [frontendCors(originList(config.FRONTEND_ORIGINS))],
    readinessChecks: [
      ready.table(config.LEADS_TABLE),
      ready.table(config.TENANTS_TABLE),
      ready.queue(config.CRM_SYNC_QUEUE_URL),
      ready.queue(config.CRM_SYNC_DLQ_URL),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
  return { ...app, worker, http };
}
