import type { RequestHandler } from 'express';
import { createAuthenticator, DynamoApiKeyResolver } from '@leadflow/auth';
import { EVENT_SOURCES } from '@leadflow/contracts';
import {
  awsReadiness,
  createApp,
  documentClient,
  EventPublisher,
  IdempotencyStore,
  inSequence,
  principalOf,
  type AppOptions,
  type AwsClients,
  type Logger,
  type ServiceApp,
  type ShutdownStep,
} from '@leadflow/core';
import { leadApiRoutes } from './api/lead-api.routes';
import { ingestLeadBatchOperation } from './api/lead-api.schema';
import { LeadApiService } from './api/lead-api.service';
import { TenantForms } from './api/tenant-forms';
import { TenantRulesCache } from './api/tenant-rules';
import { TenantSettingsRepository } from './api/tenant-settings.repository';
import type { IngestionConfig } from './config';
import {
  formGate,
  formKeyOf,
  formPreflight,
  gatedFormOf,
  readableByFormPages,
} from './forms/form-gate';
import { errorPagesForPlainForms } from './forms/form-pages';
import { formSubmissionRoutes } from './forms/form-submission.routes';
import { submitFormOperation } from './forms/form-submission.schema';
import { FormSubmissionService } from './forms/form-submission.service';
import { PublishedFormRepository } from './forms/published-form.repository';
import { PublishedForms, type ResolvedForm } from './forms/published-forms';
import { googleAdsRoutes, googleKeyGate } from './google-ads/google-ads.routes';
import { googleAdsWebhookOperation } from './google-ads/google-ads.schema';
import { GoogleAdsService } from './google-ads/google-ads.service';
import { parseJsonKeepingIntegers } from './google-ads/int64-json';
import { readJsonBody } from './pipeline/body';
import { Idempotency } from './pipeline/idempotency';
import { LeadPublisher } from './pipeline/lead-publisher';
import { IngestionMetrics } from './pipeline/metrics';
import { createRateLimiters } from './pipeline/rate-limits';

export const SERVICE = 'ingestion';

/** DESIGN §6: ingestion bodies are at most 32 KiB. */
export const BODY_LIMIT_BYTES = 32 * 1024;
/** A batch holds up to 100 leads: 32 KiB would leave each about 320 bytes. */
export const BATCH_BODY_LIMIT_BYTES = 256 * 1024;
/**
 * DynamoDB and EventBridge answer within milliseconds: an attempt still unanswered after a
 * second is given up on (and retried by the SDK, or for PutEvents by the publisher), so a
 * request answers near its budget instead of after the SDK's 5 s per attempt.
 */
export const AWS_REQUEST_TIMEOUT_MS = 1_000;

export interface IngestionDeps {
  config: IngestionConfig;
  logger: Logger;
  aws: AwsClients;
  validateResponses?: boolean;
}

export interface IngestionApp extends ServiceApp {
  metrics: IngestionMetrics;
  /** Run after the HTTP server drained: flush the publisher and the rate-limit counters. */
  workers: ShutdownStep[];
  /** Adds this task's rate-limit counts to the shared counters now (they also sync on their own). */
  syncRateLimits(): Promise<void>;
}

export function buildApp({ config, logger, aws, validateResponses }: IngestionDeps): IngestionApp {
  const db = documentClient(aws.dynamodb);
  const table = config.TENANTS_TABLE;
  const cacheMs = config.INGEST_CONFIG_CACHE_SECONDS * 1000;
  const metrics = new IngestionMetrics();

  const events = new EventPublisher({
    client: aws.eventBridge,
    busName: config.EVENT_BUS_NAME,
    source: EVENT_SOURCES.ingestion,
    logger,
    lingerMs: config.INGEST_PUBLISH_LINGER_MS,
  });
  const publisher = new LeadPublisher(events, config.INGEST_PUBLISH_BUDGET_MS, metrics, logger);
  const idempotency = new Idempotency(
    new IdempotencyStore({ client: db, table: config.RUNTIME_TABLE, logger }),
    metrics,
  );
  const forms = new PublishedForms(new PublishedFormRepository(db, table), { cacheMs, logger });
  const tenants = new TenantRulesCache(new TenantSettingsRepository(db, table), {
    cacheMs,
    logger,
  });
  // A published form holds the tenant's country of when it was published; the tenant's setting
  // now is what a phone number is read in, as for server-to-server leads.
  const countryOf = async (form: ResolvedForm) =>
    (await tenants.get(form.tenantId))?.defaultCountry ?? form.defaultCountry;
  const limits = createRateLimiters({
    db,
    table: config.RUNTIME_TABLE,
    logger,
    metrics,
    settings: {
      windowSeconds: config.INGEST_RATE_WINDOW_SECONDS,
      perIp: config.INGEST_RATE_LIMIT_PER_IP,
      perForm: config.INGEST_RATE_LIMIT_PER_FORM,
      perApiKey: config.INGEST_RATE_LIMIT_PER_API_KEY,
      badGoogleKeysPerIp: config.INGEST_RATE_LIMIT_BAD_GOOGLE_KEYS,
    },
    formKeyOf,
    apiKeyIdOf: (req) => principalOf(req)?.subject ?? '',
  });

  const authenticator = createAuthenticator({
    apiKeys: new DynamoApiKeyResolver({ client: db, table, logger, cacheMs }),
  });
  // The credential of a public operation is its form key (and, for Google, the google_key).
  const publicGates = new Map<string, RequestHandler>([
    [
      submitFormOperation.operationId,
      inSequence([
        errorPagesForPlainForms(gatedFormOf),
        readableByFormPages(forms, limits.ip),
        formGate(forms, { cors: true }),
        limits.form,
      ]),
    ],
    [
      googleAdsWebhookOperation.operationId,
      // Counted only once the google_key matched: the form key is public, so counting before
      // would let anyone spend Google's quota with bad keys. Wrong keys count apart, per address.
      inSequence([
        formGate(forms, { cors: false }),
        limits.googleAdsBadKeys.refuseSpent,
        readJsonBody(BODY_LIMIT_BYTES, parseJsonKeepingIntegers),
        googleKeyGate(limits.googleAdsBadKeys),
        limits.googleAdsForm,
      ]),
    ],
  ]);
  const authenticate: AppOptions['authenticate'] = (auth, operation) => {
    const gate = publicGates.get(operation.operationId);
    if (gate) return gate;
    const verify = authenticator(auth);
    if (auth.scheme !== 'apiKey' || !verify) return verify;
    return operation.operationId === ingestLeadBatchOperation.operationId
      ? inSequence([verify, limits.apiKey, readJsonBody(BATCH_BODY_LIMIT_BYTES)])
      : inSequence([verify, limits.apiKey]);
  };

  const ready = awsReadiness(aws);
  const { app, readiness } = createApp({
    service: SERVICE,
    logger,
    routes: [
      ...formSubmissionRoutes(
        new FormSubmissionService({ publisher, idempotency, metrics, logger, countryOf }),
        publisher,
      ),
      ...leadApiRoutes(
        new LeadApiService({
          tenants,
          forms: new TenantForms(db, table, { cacheMs, logger }),
          publisher,
          idempotency,
          metrics,
        }),
        publisher,
      ),
      ...googleAdsRoutes(
        new GoogleAdsService({ publisher, idempotency, metrics, countryOf }),
        publisher,
      ),
    ],
    authenticate,
    beforeRoutes: [formPreflight(forms, limits.ip)],
    bodyLimit: BODY_LIMIT_BYTES,
    readinessChecks: [
      ready.table(config.TENANTS_TABLE),
      ready.table(config.RUNTIME_TABLE),
      ready.bus(config.EVENT_BUS_NAME),
    ],
    trustProxy: config.TRUST_PROXY_HOPS,
    validateResponses,
  });
  // Answers are never cached: hashing every body for an ETag is work for nothing.
  app.set('etag', false);
  return {
    app,
    readiness,
    metrics,
    syncRateLimits: async () => {
      await Promise.all(limits.stores.map((store) => store.flush()));
    },
    workers: [
      { name: 'event-publisher', run: () => events.flush() },
      {
        name: 'rate-limit-counters',
        run: async () => {
          await Promise.all(limits.stores.map((store) => store.shutdown()));
        },
      },
    ],
  };
}
