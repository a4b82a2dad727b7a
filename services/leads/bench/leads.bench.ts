/**
 * Lead listing against moto over 100,000 leads of one tenant (DESIGN §9), beside the bare
 * DynamoDB Query that serves the same page on the same endpoint in the same run: the ratio is
 * the service's own cost (auth, validation, filtering, serialisation), whatever moto's speed.
 * Then CSV export of 10,000 and 100,000 leads from a stub DynamoDB, watching the heap.
 */
import { QueryCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  createAwsClients,
  createLogger,
  documentClient,
  loadConfig,
  batchWriteAll,
  type DynamoDBDocumentClient,
} from '@leadflow/core';
import { freePort, startMotoProcess, ensureUser, idTokenFor } from '@leadflow/local-aws';
import { bootstrap, localEnvironment } from '@leadflow/resources';
import {
  DEFAULT_PIPELINE,
  newTenantSettings,
  tenantKeys,
  type TenantSettings,
} from '@leadflow/contracts';
import { listenOnLoopback, putMember } from '@leadflow/testing';
import { ulid } from 'ulid';
import type { Benchmark, BenchFigures } from '../../../scripts/bench/benchmarks';
import { buildApp } from '../src/app';
import { LeadsConfigSchema } from '../src/config';
import { leadItem, type LeadRecord } from '../src/leads/lead.record';
import { measureExport } from './export.bench';

const TENANT = 'bench';
export interface ListingScale {
  leads: number;
  /** Timed requests per figure. */
  samples: number;
  /** Pages of 50 walked for the deep page's cursor. */
  deepPages: number;
}

/** DESIGN §9 lists over 100k leads; LEADS_BENCH_LEADS sets fewer for a quick run. */
const BENCH_SCALE: ListingScale = {
  leads: Number(process.env.LEADS_BENCH_LEADS ?? 100_000),
  samples: 40,
  deepPages: 100,
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timings(samples: number, run: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

export function tenantSettings(tenantId: string): TenantSettings {
  return {
    ...newTenantSettings({
      tenantId,
      name: tenantId,
      slug: tenantId,
      defaultCountry: 'DE',
      timezone: 'Europe/Berlin',
    }),
    customFields: [{ key: 'budget', label: 'Budget', type: 'number', required: false, pii: false }],
    adminCount: 1,
  };
}

export function syntheticLead(tenantId: string, index: number, at: number): LeadRecord {
  const iso = new Date(at).toISOString();
  return {
    leadId: ulid(at),
    tenantId,
    status: DEFAULT_PIPELINE[index % DEFAULT_PIPELINE.length]!,
    source: index % 3 === 0 ? 'api' : 'form',
    fields: {
      email: `lead${index}@example.com`,
      firstName: `First${index}`,
      lastName: `Last${index}`,
      company: `Company ${index % 500}`,
      phone: '+4930123456',
    },
    custom: { budget: index },
    consents: [],
    isTest: false,
    version: 1,
    createdAt: iso,
    updatedAt: iso,
  };
}

async function seed(
  db: DynamoDBDocumentClient,
  table: string,
  tenantsTable: string,
  leads: number,
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tenantsTable,
      Item: { ...tenantKeys.tenant(TENANT), ...tenantSettings(TENANT) },
    }),
  );
  const start = Date.now() - leads * 1_000;
  const items = Array.from({ length: leads }, (_, i) => ({
    PutRequest: { Item: leadItem(syntheticLead(TENANT, i, start + i * 1_000)) },
  }));
  await batchWriteAll(db, table, items);
}

export async function listing(scale = BENCH_SCALE): Promise<BenchFigures> {
  const moto = await startMotoProcess(await freePort());
  try {
    const resources = await bootstrap({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      prefix: 'bench-',
    });
    const env = { ...localEnvironment(resources), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    const aws = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint });
    const db = documentClient(aws.dynamodb);
    const seeded = Date.now();
    await seed(db, resources.tables.leads, resources.tables.tenants, scale.leads);
    const seedSeconds = (Date.now() - seeded) / 1000;
    const pool = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      userPoolId: resources.userPoolId,
      appClientId: resources.appClientId,
    };
    await ensureUser(pool, {
      email: 'manager@bench.test',
      password: 'Bench-password-1!',
      tenantId: TENANT,
      groups: ['manager'],
    });
    const token = await idTokenFor(pool, 'manager@bench.test', 'Bench-password-1!');
    await putMember(db, resources.tables.tenants, TENANT, token, 'manager');
    const leads = buildApp({
      config: loadConfig(LeadsConfigSchema, env),
      logger: createLogger({ service: 'leads', level: 'silent' }),
      aws,
    });
    const server = await listenOnLoopback(leads.app);
    try {
      const get = async (query: string) => {
        const res = await fetch(`${server.baseUrl}/v1/leads?${query}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (res.status !== 200) throw new Error(`GET /v1/leads?${query} answered ${res.status}`);
        return (await res.json()) as { items: unknown[]; nextCursor: string | null };
      };
      const bareQuery = (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]>) =>
        db.send(
          new QueryCommand({
            TableName: resources.tables.leads,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :lead)',
            ExpressionAttributeValues: { ':pk': `TENANT#${TENANT}`, ':lead': 'LEAD#' },
            ScanIndexForward: false,
            Limit: 50,
            ...extra,
          }),
        );
      // A cursor deepPages pages deep (5,000 leads at 100), and the same place for the bare query.
      let cursor: string | null = null;
      for (let page = 0; page < scale.deepPages; page++)
        cursor = (await get(`limit=50${cursor ? `&cursor=${cursor}` : ''}`)).nextCursor;
      const deepKey = JSON.parse(Buffer.from(cursor!, 'base64url').toString()) as Record<
        string,
        string
      >;

      await timings(5, () => get('limit=50'));
      const first = await timings(scale.samples, () => get('limit=50'));
      const bareFirst = await timings(scale.samples, () => bareQuery({}));
      const deep = await timings(scale.samples, () => get(`limit=50&cursor=${cursor}`));
      const bareDeep = await timings(scale.samples, () =>
        bareQuery({ ExclusiveStartKey: deepKey }),
      );
      const filtered = await timings(scale.samples, () => get('limit=50&status=qualified'));
      const bareFiltered = await timings(scale.samples, () =>
        db.send(
          new QueryCommand({
            TableName: resources.tables.leads,
            IndexName: 'GSI2',
            KeyConditionExpression: 'GSI2PK = :pk',
            ExpressionAttributeValues: { ':pk': `TENANT#${TENANT}#STATUS#qualified` },
            ScanIndexForward: false,
            Limit: 50,
          }),
        ),
      );
      const round = (n: number) => Math.round(n * 100) / 100;
      return {
        leadsInTenant: scale.leads,
        seedSeconds: round(seedSeconds),
        firstPageP50Ms: round(first.p50),
        firstPageP99Ms: round(first.p99),
        bareQueryFirstPageP50Ms: round(bareFirst.p50),
        bareQueryFirstPageP99Ms: round(bareFirst.p99),
        firstPageRatioToBareQuery: round(first.p50 / bareFirst.p50),
        deepPageP50Ms: round(deep.p50),
        deepPageP99Ms: round(deep.p99),
        bareQueryDeepPageP50Ms: round(bareDeep.p50),
        deepPageRatioToBareQuery: round(deep.p50 / bareDeep.p50),
        filteredP50Ms: round(filtered.p50),
        filteredP99Ms: round(filtered.p99),
        bareQueryFilteredP50Ms: round(bareFiltered.p50),
        filteredRatioToBareQuery: round(filtered.p50 / bareFiltered.p50),
      };
    } finally {
      await server.close();
      aws.destroy();
    }
  } finally {
    await moto.stop();
  }
}

export const leadsBenchmark: Benchmark = {
  name: 'leads',
  description: `GET /v1/leads?limit=50 over ${BENCH_SCALE.leads.toLocaleString('en')} leads of one tenant against moto, beside a bare DynamoDB Query; CSV export heap at 10k and 100k leads`,
  async run() {
    return { ...(await listing()), ...(await measureExport()) };
  },
};
