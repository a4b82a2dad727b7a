/**
 * CRM sync throughput of one worker against a fake HubSpot with 50 ms latency and HubSpot's
 * limit of 100 requests per 10 s (batches of up to 100 contacts: at most ~1,000 leads/s).
 *
 * 1. pipeline — the whole worker: lead.created messages fed into the crm-sync queue (moto),
 *    received, batched, pushed, status written to the leads table (moto), deleted. moto's SQS
 *    slows with every message it holds (a receive at 500 messages deep takes ~0.4 s), so the
 *    feeder keeps the queue shallow; the figure is moto's, and `moto.*` measures the same AWS
 *    calls bare, in the same run, to show it.
 * 2. crmPath — the same lanes, connectors, token bucket and HTTP client, fed as the consumer
 *    feeds them (a window of messages in flight, retries re-submitted after their delay), with
 *    the queue and the status table replaced by in-process stubs: the CRM limit is the bound.
 *
 * Both count every contact the fake holds: none may be missing or written twice.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_FIELD_MAPPINGS,
  envelope,
  EVENT_SOURCES,
  leadKeys,
  tenantKeys,
  type CrmConnectionItem,
  type DeliveredEvent,
  type LeadChanged,
  type SyncStatusItem,
} from '@leadflow/contracts';
import {
  createAwsClients,
  createLogger,
  documentClient,
  loadConfig,
  type AwsClients,
} from '@leadflow/core';
import { freePort, startMotoProcess } from '@leadflow/local-aws';
import { bootstrap, localEnvironment, type LocalResources } from '@leadflow/resources';
import { ulid } from 'ulid';
import type { Benchmark, BenchFigures } from '../../../scripts/bench/benchmarks';
import { startFakeCrm, type FakeCrm } from '../fake-crm/fake-crm';
import { buildApp } from '../src/app';
import { CrmSyncConfigSchema } from '../src/config';
import { CredentialStore } from '../src/connections/credential-store';
import { CONNECTORS } from '../src/connectors/connector-registry';
import { CrmHttp } from '../src/connectors/crm-http';
import { SyncDispatcher } from '../src/sync/dispatcher';
import { parseLeadEvent, toSyncItem } from '../src/sync/sync-event';
import type {
  Claim,
  ClaimOutcome,
  StatusWrite,
  WriteOutcome,
} from '../src/sync/sync-status.repository';

/** Each run its own tenant, so that its leads go to its own CRM connection alone. */
const tenantOf = (run: string) => `bench-${run}`;
const PIPELINE_LEADS = Number(process.env.CRM_SYNC_BENCH_PIPELINE_LEADS ?? 1_500);
const CRM_PATH_LEADS = Number(process.env.CRM_SYNC_BENCH_LEADS ?? 20_000);
/** Messages in the queue at once: deeper makes every moto SQS call slower. */
const PIPELINE_DEPTH = 200;
/** Messages in flight in the crm-path run, like CRM_SYNC_CONCURRENCY. */
const CRM_PATH_WINDOW = 3_000;
const LATENCY_MS = 50;
const LIMIT = { max: 100, intervalMs: 10_000 };
const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function leadEvent(run: string, index: number): DeliveredEvent<LeadChanged> {
  const now = new Date();
  const leadId = ulid();
  return {
    id: ulid(),
    source: EVENT_SOURCES.leads,
    'detail-type': 'lead.created',
    time: now.toISOString(),
    detail: {
      ...envelope(tenantOf(run), now),
      leadId,
      version: 1,
      changedFields: ['*'],
      lead: {
        id: leadId,
        status: 'new',
        source: 'form',
        fields: {
          email: `${run}${index}@bench.example.com`,
          firstName: `First${index}`,
          lastName: `Last${index}`,
          company: `Company ${index % 300}`,
        },
        custom: {},
        isTest: false,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      },
    },
  };
}

/** A HubSpot connection of the bench tenant, as tenant-config writes it (item and secret). */
async function connect(
  aws: AwsClients,
  resources: LocalResources,
  secretsPrefix: string,
  fake: FakeCrm,
  token: string,
  tenantId: string,
): Promise<CrmConnectionItem> {
  const connectionId = ulid();
  const secretName = `${secretsPrefix}${tenantId}/crm/${connectionId}`;
  await aws.secrets.send(
    new CreateSecretCommand({
      Name: secretName,
      SecretString: JSON.stringify({ accessToken: token }),
    }),
  );
  const now = new Date().toISOString();
  const connection: CrmConnectionItem = {
    tenantId,
    connectionId,
    type: 'hubspot',
    name: `HubSpot (${token})`,
    enabled: true,
    baseUrl: fake.baseUrl,
    fieldMapping: DEFAULT_FIELD_MAPPINGS.hubspot,
    secretName,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await documentClient(aws.dynamodb).send(
    new PutCommand({
      TableName: resources.tables.tenants,
      Item: { ...tenantKeys.crmConnection(tenantId, connectionId), ...connection },
    }),
  );
  return connection;
}

/** What the fake holds of a run: contacts, missing and extra writes. */
function count(fake: FakeCrm, token: string, leads: number) {
  const contacts = [...fake.state.hubspotContacts.values()].filter((c) => c.token === token);
  const writes = contacts.reduce((sum, c) => sum + c.writes, 0);
  const distinct = new Set(contacts.map((c) => c.properties.email)).size;
  return {
    contacts: contacts.length,
    lost: leads - distinct,
    duplicated: writes - distinct,
  };
}

function limitFigures(fake: FakeCrm, token: string, seconds: number, leads: number) {
  const requests = fake.requests({ crm: 'hubspot', token });
  const allowed = (LIMIT.max * seconds * 1000) / LIMIT.intervalMs;
  return {
    requests: requests.length,
    leadsPerRequest: round(leads / Math.max(1, requests.length)),
    rateLimitShareUsed: round(requests.length / allowed),
    maxRequestsIn10s: fake.maxInWindow('hubspot', token, LIMIT.intervalMs),
    peakRateLimitShare: round(fake.maxInWindow('hubspot', token, LIMIT.intervalMs) / LIMIT.max),
    refusedByRateLimit: requests.filter((r) => r.limited).length,
  };
}

async function pipeline(
  aws: AwsClients,
  resources: LocalResources,
  env: Record<string, string>,
  fake: FakeCrm,
): Promise<BenchFigures> {
  const token = 'pat-bench-pipeline-000000000000';
  await connect(aws, resources, env.SECRETS_PREFIX!, fake, token, tenantOf('pipeline'));
  const queueUrl = resources.queues['crm-sync'].url;
  const config = loadConfig(CrmSyncConfigSchema, {
    ...env,
    CRM_SYNC_CONCURRENCY: String(PIPELINE_DEPTH),
    CRM_SYNC_WAIT_SECONDS: '1',
  });
  const crmSync = buildApp({
    config,
    logger: createLogger({ service: 'crm-sync', level: 'silent' }),
    aws,
  });
  const started = Date.now();
  crmSync.worker.start();
  let sent = 0;
  const deadline = started + 15 * 60_000;
  for (;;) {
    const done = count(fake, token, PIPELINE_LEADS).contacts;
    if (done >= PIPELINE_LEADS || Date.now() > deadline) break;
    if (sent < PIPELINE_LEADS && sent - done < PIPELINE_DEPTH) {
      const entries = Array.from({ length: Math.min(10, PIPELINE_LEADS - sent) }, (_, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(leadEvent('pipeline', sent + i)),
      }));
      await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      sent += entries.length;
    } else await sleep(20);
  }
  const seconds = (Date.now() - started) / 1000;
  await crmSync.worker.stop();
  crmSync.http.destroy();
  return {
    leadsPerSec: round(PIPELINE_LEADS / seconds),
    leads: PIPELINE_LEADS,
    seconds: round(seconds),
    ...limitFigures(fake, token, seconds, PIPELINE_LEADS),
    ...count(fake, token, PIPELINE_LEADS),
  };
}

/** The worker's own AWS calls per lead, bare: a tenth of a send, receive and delete, one write. */
async function motoPerLead(aws: AwsClients, resources: LocalResources): Promise<BenchFigures> {
  const queueUrl = resources.queues['lead-intake'].url;
  const db = documentClient(aws.dynamodb);
  const leads = 1_000;
  const started = process.hrtime.bigint();
  let done = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (done < leads) {
        done += 10;
        await aws.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Array.from({ length: 10 }, (_, i) => ({
              Id: String(i),
              MessageBody: JSON.stringify(leadEvent('bare', i)),
            })),
          }),
        );
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
        );
        await Promise.all(
          Messages.map(() =>
            db.send(
              new UpdateCommand({
                TableName: resources.tables.leads,
                Key: leadKeys.syncStatus('bare', ulid(), 'c'),
                UpdateExpression: 'SET #s = :s, leadVersion = :v',
                ConditionExpression: 'attribute_not_exists(PK) OR leadVersion < :v',
                ExpressionAttributeNames: { '#s': 'state' },
                ExpressionAttributeValues: { ':s': 'synced', ':v': 1 },
              }),
            ),
          ),
        );
        if (Messages.length > 0)
          await aws.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bareLeadsPerSec: round(leads / seconds) };
}

/** The leads table's sync status items, in memory, with the same conditional rule. */
class InMemoryStatuses {
  private readonly items = new Map<string, SyncStatusItem>();
  /** One task, whose lane never sends a lead twice at once: no other claim to meet. */
  async claim(_tenant: string, leadId: string, claim: Claim): Promise<ClaimOutcome> {
    const previous = this.items.get(leadId);
    if (
      previous &&
      (previous.leadVersion > claim.leadVersion ||
        (previous.leadVersion === claim.leadVersion && previous.state === 'synced'))
    )
      return { claimed: false, current: previous };
    const { lastError: _error, ...kept } = previous ?? {};
    this.items.set(leadId, {
      ...kept,
      connectionId: claim.connectionId,
      crmType: claim.crmType,
      state: 'pending',
      leadVersion: claim.leadVersion,
      lastAttemptAt: claim.at,
    });
    return { claimed: true, ...(previous ? { previous } : {}) };
  }
  async write(_tenant: string, leadId: string, status: StatusWrite): Promise<WriteOutcome> {
    const current = this.items.get(leadId);
    if (
      current &&
      !(
        current.leadVersion < status.leadVersion ||
        (current.leadVersion === status.leadVersion && current.state !== 'synced')
      )
    )
      return { written: false, current };
    const { externalId, lastError, claimedAt: _claimedAt, ...rest } = status;
    this.items.set(leadId, {
      ...rest,
      ...(externalId ? { externalId } : {}),
      ...(lastError ? { lastError } : {}),
    });
    return { written: true };
  }
}

async function crmPath(
  aws: AwsClients,
  resources: LocalResources,
  env: Record<string, string>,
  fake: FakeCrm,
): Promise<BenchFigures> {
  const token = 'pat-bench-crm-path-00000000000';
  const connection = await connect(
    aws,
    resources,
    env.SECRETS_PREFIX!,
    fake,
    token,
    tenantOf('path'),
  );
  const http = new CrmHttp({ timeoutMs: 15_000, production: false });
  const dispatcher = new SyncDispatcher({
    connectors: CONNECTORS,
    credentials: new CredentialStore(aws.secrets, env.SECRETS_PREFIX!, 60_000),
    statuses: new InMemoryStatuses(),
    http,
    logger: createLogger({ service: 'crm-sync', level: 'silent' }),
    settings: {
      lingerMs: 250,
      maxQueueWaitMs: 5_000,
      maxRateLimitWaitMs: 86_400_000,
      concurrency: 4,
      leaseMs: 60_000,
      requestTimeoutMs: 15_000,
    },
    maxReceiveCount: async () => 8,
  });
  const items = Array.from({ length: CRM_PATH_LEADS }, (_, i) =>
    toSyncItem(parseLeadEvent(JSON.stringify(leadEvent('path', i)))),
  );
  let next = 0;
  let retries = 0;
  const started = Date.now();
  // Like the consumer: a window of messages in flight; a retry comes back after its delay.
  await Promise.all(
    Array.from({ length: CRM_PATH_WINDOW }, async () => {
      for (let item = items[next++]; item; item = items[next++]) {
        for (let attempt = 1; ; attempt++) {
          const outcome = await dispatcher.submit(connection, { ...item }, attempt);
          if (outcome.kind === 'done') break;
          retries += 1;
          await sleep((outcome.kind === 'deferred' ? outcome.delaySeconds : 1) * 1000);
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  http.destroy();
  return {
    leadsPerSec: round(CRM_PATH_LEADS / seconds),
    leads: CRM_PATH_LEADS,
    seconds: round(seconds),
    retries,
    ...limitFigures(fake, token, seconds, CRM_PATH_LEADS),
    ...count(fake, token, CRM_PATH_LEADS),
  };
}

async function run(): Promise<BenchFigures> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  const moto = await startMotoProcess(await freePort());
  const fake = await startFakeCrm({
    settings: { latencyMs: LATENCY_MS, rateLimits: { hubspot: LIMIT } },
  });
  try {
    const resources = await bootstrap({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      prefix: 'bench-',
    });
    const env: Record<string, string> = {
      ...localEnvironment(resources),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    };
    const aws = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint });
    const figures: BenchFigures = {};
    const add = (prefix: string, values: BenchFigures) => {
      for (const [key, value] of Object.entries(values)) figures[`${prefix}${key}`] = value;
    };
    const path = await crmPath(aws, resources, env, fake);
    const piped = await pipeline(aws, resources, env, fake);
    const bare = await motoPerLead(aws, resources);
    aws.destroy();
    // The headline: the worker against the CRM, which the limit bounds.
    add('', {
      leadsPerSec: path.leadsPerSec!,
      rateLimitShareUsed: path.rateLimitShareUsed!,
      peakRateLimitShare: path.peakRateLimitShare!,
      requests: path.requests!,
      leads: path.leads!,
      lost: Number(path.lost) + Number(piped.lost),
      duplicated: Number(path.duplicated) + Number(piped.duplicated),
      crmLimitLeadsPerSec: (LIMIT.max / (LIMIT.intervalMs / 1000)) * 100,
      latencyMs: LATENCY_MS,
    });
    add('crmPath.', path);
    add('pipeline.', piped);
    add('moto.', bare);
    return figures;
  } finally {
    await fake.close();
    await moto.stop();
  }
}

export const crmSyncBenchmark: Benchmark = {
  name: 'crmSync',
  description: `one worker against a fake HubSpot (${LATENCY_MS} ms, ${LIMIT.max} requests / ${LIMIT.intervalMs / 1000} s): ${CRM_PATH_LEADS.toLocaleString('en')} leads through its lanes, and ${PIPELINE_LEADS.toLocaleString('en')} through the whole pipeline on moto`,
  run,
};
