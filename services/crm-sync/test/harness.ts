/**
 * crm-sync against local AWS and the fake CRM. Tenants and CRM connections are made through
 * tenant-config's own API, so the contract between the two services is what the tests use;
 * lead changes go on the bus as the leads service publishes them. Exported for the
 * end-to-end tests.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { leadKeys, type SyncStatusItem } from '@leadflow/contracts';
import {
  createAwsClients,
  createLogger,
  documentClient,
  loadConfig,
  withoutKeys,
  type AwsClients,
  type DynamoDBDocumentClient,
} from '@leadflow/core';
import {
  bearer,
  capturingLogger,
  createTestStack,
  eventually,
  setMaxReceiveCount,
  type TestStack,
} from '@leadflow/testing';
import { buildApp as buildTenantConfig } from '../../tenant-config/src/app';
import { TenantConfigConfigSchema } from '../../tenant-config/src/config';
import { startFakeCrm, type FakeCrm, type FakeCrmSettings } from '../fake-crm/fake-crm';
import { buildApp, type CrmSyncApp } from '../src/app';
import { CrmSyncConfigSchema } from '../src/config';
import { leadErased, publishLeadEvents, type LeadEventInput } from './lead-events';

export { startFakeCrm, type FakeCrm } from '../fake-crm/fake-crm';
export * from './lead-events';

export { bearer } from '@leadflow/testing';

/** The sync status items under a lead, as the leads API reads them. */
export async function readSyncStatuses(
  db: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  leadId: string,
): Promise<SyncStatusItem[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sync)',
      ExpressionAttributeValues: {
        ':pk': leadKeys.leadPartition(tenantId, leadId),
        ':sync': 'SYNC#',
      },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => withoutKeys<SyncStatusItem>(item));
}

/**
 * Erases a lead whose create reached the CRM without its id being recorded: its sync status is
 * what an attempt whose answer was lost leaves behind. Answers the erasure's settled status.
 */
export async function eraseAfterUnrecordedCreate(
  h: CrmSyncHarness,
  tenantId: string,
  connection: { id: string; crmType: SyncStatusItem['crmType'] },
  leadId: string,
): Promise<SyncStatusItem> {
  const unanswered: SyncStatusItem = {
    connectionId: connection.id,
    crmType: connection.crmType,
    state: 'pending',
    leadVersion: 1,
    lastAttemptAt: new Date(Date.now() - 600_000).toISOString(),
    lastError: '127.0.0.1: no answer within 5000 ms',
  };
  await h.db.send(
    new PutCommand({
      TableName: h.stack.env.LEADS_TABLE!,
      Item: { ...leadKeys.syncStatus(tenantId, leadId, connection.id), ...unanswered },
    }),
  );
  await h.publish(leadErased(tenantId, leadId, 2));
  return h.waitForStatus(
    tenantId,
    leadId,
    connection.id,
    (s) => s.leadVersion === 2 && s.state !== 'pending',
  );
}

/**
 * crm-sync's worker (and redrive API) on the variables of a test stack, started: what an
 * end-to-end test runs beside ingestion and leads. `stop` drains it.
 */
export function startCrmSyncService(
  env: Record<string, string>,
  overrides: Record<string, string> = {},
): { crmSync: CrmSyncApp; stop(): Promise<void> } {
  const config = loadConfig(CrmSyncConfigSchema, { ...env, ...TEST_OVERRIDES, ...overrides });
  const aws = createAwsClients({ region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL });
  const crmSync = buildApp({
    config,
    logger: createLogger({ service: 'crm-sync', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    aws,
    validateResponses: true,
  });
  crmSync.worker.start();
  return {
    crmSync,
    async stop() {
      await crmSync.worker.stop();
      crmSync.http.destroy();
      aws.destroy();
    },
  };
}

export interface ConnectionRef {
  id: string;
  version: number;
  etag: string;
}

export interface CrmSyncHarness {
  stack: TestStack;
  aws: AwsClients;
  db: DynamoDBDocumentClient;
  fake: FakeCrm;
  crmSync: CrmSyncApp;
  tenantConfig: ReturnType<typeof buildTenantConfig>['app'];
  /** Every line crm-sync logged. */
  logs: string[];
  /** A tenant made through tenant-config (custom fields optional); answers its admin token. */
  createTenant(slug: string, customFields?: object[]): Promise<string>;
  /** A CRM connection made through tenant-config's API. */
  connect(tenantId: string, body: Record<string, unknown>): Promise<ConnectionRef>;
  updateConnection(
    tenantId: string,
    connection: ConnectionRef,
    patch: object,
  ): Promise<ConnectionRef>;
  publish(...events: LeadEventInput[]): Promise<void>;
  statuses(tenantId: string, leadId: string): Promise<SyncStatusItem[]>;
  /** Waits for the lead's status on the connection to satisfy `accept`. */
  waitForStatus(
    tenantId: string,
    leadId: string,
    connectionId: string,
    accept: (status: SyncStatusItem) => boolean,
    timeoutMs?: number,
  ): Promise<SyncStatusItem>;
  /** Visible + in-flight messages of a queue. */
  queueDepth(queueUrl: string): Promise<number>;
  close(): Promise<void>;
}

/** Quick settings for tests; any crm-sync variable can be overridden. */
export const TEST_OVERRIDES = {
  CRM_SYNC_WAIT_SECONDS: '1',
  CRM_SYNC_RETRY_BASE_SECONDS: '1',
  CRM_SYNC_BATCH_LINGER_MS: '100',
  CRM_CONNECTION_CACHE_MS: '0',
  CRM_REQUEST_TIMEOUT_MS: '5000',
};

/**
 * The crm-sync queue's maxReceiveCount in these tests: the manifest's (20, hours of backoff in
 * production) would make every test that drives a change to the DLQ run through 20 attempts.
 */
export const TEST_MAX_RECEIVE_COUNT = 8;

export async function startCrmSyncHarness(
  options: {
    env?: Record<string, string>;
    fake?: Partial<FakeCrmSettings>;
    startWorker?: boolean;
  } = {},
): Promise<CrmSyncHarness> {
  const stack = await createTestStack();
  const fake = await startFakeCrm({ settings: options.fake ?? {} });
  const aws = createAwsClients({
    region: stack.resources.region,
    endpoint: stack.resources.endpoint,
  });
  await setMaxReceiveCount(aws.sqs, stack.env.CRM_SYNC_QUEUE_URL!, TEST_MAX_RECEIVE_COUNT);
  const db = documentClient(aws.dynamodb);
  const { logger, logs } = capturingLogger('crm-sync');
  const crmSync = buildApp({
    config: loadConfig(CrmSyncConfigSchema, { ...stack.env, ...TEST_OVERRIDES, ...options.env }),
    logger,
    aws,
    validateResponses: true,
  });
  const tenantConfig = buildTenantConfig({
    config: loadConfig(TenantConfigConfigSchema, stack.env),
    logger: createLogger({ service: 'tenant-config', level: 'silent' }),
    aws,
    validateResponses: true,
  }).app;
  if (options.startWorker !== false) crmSync.worker.start();

  const adminToken = (tenantId: string) =>
    stack.tokenFor({ email: `admin@${tenantId}.test`, tenantId, roles: ['admin'] });

  const harness: CrmSyncHarness = {
    stack,
    aws,
    db,
    fake,
    crmSync,
    tenantConfig,
    logs,
    async createTenant(slug, customFields = []) {
      const platform = await stack.tokenFor({
        email: 'platform@leadflow.test',
        roles: ['platform-admin'],
      });
      const res = await request(tenantConfig)
        .post('/v1/tenants')
        .set(bearer(platform))
        .send({ name: `Tenant ${slug}`, slug, defaultCountry: 'DE', timezone: 'Europe/Berlin' });
      if (res.status !== 201)
        throw new Error(`tenant ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
      const admin = await adminToken(slug);
      if (customFields.length > 0) {
        const tenant = await request(tenantConfig).get('/v1/tenant').set(bearer(admin));
        const patched = await request(tenantConfig)
          .patch('/v1/tenant')
          .set(bearer(admin))
          .set('If-Match', tenant.headers.etag!)
          .send({ customFields });
        if (patched.status !== 200)
          throw new Error(`custom fields: ${patched.status} ${JSON.stringify(patched.body)}`);
      }
      return admin;
    },
    async connect(tenantId, body) {
      const res = await request(tenantConfig)
        .post('/v1/crm-connections')
        .set(bearer(await adminToken(tenantId)))
        .send(body);
      if (res.status !== 201)
        throw new Error(`connection: ${res.status} ${JSON.stringify(res.body)}`);
      return {
        id: res.body.id as string,
        version: res.body.version as number,
        etag: res.headers.etag!,
      };
    },
    async updateConnection(tenantId, connection, patch) {
      const res = await request(tenantConfig)
        .patch(`/v1/crm-connections/${connection.id}`)
        .set(bearer(await adminToken(tenantId)))
        .set('If-Match', connection.etag)
        .send(patch);
      if (res.status !== 200)
        throw new Error(`connection update: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: connection.id, version: res.body.version as number, etag: res.headers.etag! };
    },
    publish: (...events) => publishLeadEvents(aws.eventBridge, stack.resources.busName, events),
    statuses: (tenantId, leadId) => readSyncStatuses(db, stack.env.LEADS_TABLE!, tenantId, leadId),
    waitForStatus(tenantId, leadId, connectionId, accept, timeoutMs = 20_000) {
      return eventually(
        async () => {
          const status = (await harness.statuses(tenantId, leadId)).find(
            (s) => s.connectionId === connectionId,
          );
          return status && accept(status) ? status : undefined;
        },
        timeoutMs,
        200,
      );
    },
    async queueDepth(queueUrl) {
      const { Attributes = {} } = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    },
    async close() {
      await crmSync.worker.stop();
      crmSync.http.destroy();
      await fake.close();
      aws.destroy();
    },
  };
  return harness;
}
