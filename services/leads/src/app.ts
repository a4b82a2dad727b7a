import {
  authSettings,
  createAuthenticator,
  createTokenVerifier,
  liveRolesUnder,
} from '@leadflow/auth';
import { EVENT_SOURCES } from '@leadflow/contracts';
import {
  awsReadiness,
  createApp,
  documentClient,
  EventPublisher,
  frontendCors,
  originList,
  type AwsClients,
  type Logger,
  type ServiceApp,
} from '@leadflow/core';
import { activityRoutes } from './activities/activity.routes';
import type { LeadsConfig } from './config';
import { exportRoutes } from './export/export.routes';
import { Assigner } from './intake/assignment';
import { IntakeService } from './intake/intake.service';
import { intakeWorker } from './intake/intake.worker';
import { LeadRepository } from './leads/lead.repository';
import { leadRoutes } from './leads/lead.routes';
import { LeadService } from './leads/lead.service';
import { NoteRepository } from './notes/note.repository';
import { noteRoutes } from './notes/note.routes';
import { Outbox } from './outbox/outbox';
import { OutboxRelay } from './outbox/relay';
import { TenantDirectory } from './tenancy/tenant-directory';

export const SERVICE = 'leads';

export interface LeadsDeps {
  config: LeadsConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export interface LeadsApp extends ServiceApp {
  relay: OutboxRelay;
  intake: ReturnType<typeof intakeWorker>;
  intakeService: IntakeService;
  publisher: EventPublisher;
}

/** The leads API, the intake worker and the outbox relay: built here, started by main.ts. */
export function buildApp({ config, logger, aws, validateResponses }: LeadsDeps): LeadsApp {
  const db = documentClient(aws.dynamodb);
  const publisher = new EventPublisher({
    client: aws.eventBridge,
    busName: config.EVENT_BUS_NAME,
    source: EVENT_SOURCES.leads,
    logger,
  });
  const relay = new OutboxRelay({
    db,
    table: config.LEADS_TABLE,
    publisher,
    logger,
    shards: config.OUTBOX_SHARDS,
    pollMs: config.OUTBOX_POLL_MS,
  });
  const committed = () => relay.kick();
  const outbox = new Outbox(config.OUTBOX_SHARDS);
  const leads = new LeadRepository(db, config.LEADS_TABLE);
  const tenants = new TenantDirectory(db, config.TENANTS_TABLE, config.TENANT_CACHE_MS);
  const leadService = new LeadService({ leads, tenants, outbox, committed });
  const intakeService = new IntakeService({
    leads,
    tenants,
    outbox,
    committed,
    logger,
    assigner: new Assigner(db, config.LEADS_TABLE, (tenantId, memberId) =>
      tenants.isMember(tenantId, memberId),
    ),
  });
  const intake = intakeWorker({
    sqs: aws.sqs,
    queueUrl: config.LEAD_INTAKE_QUEUE_URL,
    intake: intakeService,
    logger,
    concurrency: config.INTAKE_CONCURRENCY,
    visibilityTimeoutSeconds: config.INTAKE_VISIBILITY_TIMEOUT_SECONDS,
    waitTimeSeconds: config.INTAKE_WAIT_SECONDS,
    retryBaseSeconds: config.INTAKE_RETRY_BASE_SECONDS,
  });
  const ready = awsReadiness(aws);
  const auth = authSettings(config, config.NODE_ENV);
  const app = createApp({
    service: SERVICE,
    logger,
    routes: [
      ...exportRoutes(leads, tenants, logger),
      ...leadRoutes(leadService),
      ...noteRoutes(leadService, new NoteRepository(db, config.LEADS_TABLE)),
      ...activityRoutes(leadService, db, config.LEADS_TABLE),
    ],
    authenticate: createAuthenticator({
      verifier: createTokenVerifier(auth),
      liveRoles: liveRolesUnder(auth, (tenantId, memberId) => tenants.rolesOf(tenantId, memberId)),
    }),
    beforeRoutes: [frontendCors(originList(config.FRONTEND_ORIGINS))],
    readinessChecks: [
      ready.table(config.LEADS_TABLE),
      ready.table(config.TENANTS_TABLE),
      ready.bus(config.EVENT_BUS_NAME),
      ready.queue(config.LEAD_INTAKE_QUEUE_URL),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
  return { ...app, relay, intake, intakeService, publisher };
}
