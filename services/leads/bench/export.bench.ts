/**
 * CSV export of 10,000 and 100,000 leads, served by a stub DynamoDB that makes up pages on
 * demand (moto would spend minutes seeding and querying 100k items): the figure is the
 * export's own memory and speed. Flat memory means the peak heap growth does not grow with
 * the number of leads.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createAwsClients, createLogger, loadConfig } from '@leadflow/core';
import { tenantKeys } from '@leadflow/contracts';
import { listenOnLoopback, TestIssuer } from '@leadflow/testing';
import type { BenchFigures } from '../../../scripts/bench/benchmarks';
import { buildApp } from '../src/app';
import { LeadsConfigSchema } from '../src/config';
import { leadItem } from '../src/leads/lead.record';
import { syntheticLead, tenantSettings } from './leads.bench';

const TENANT = 'export';
const BENCH_USER = 'manager';

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

/** The tenant's settings, or the bench user's membership (the leads API reads its role there). */
function itemOf(sortKey: string): Record<string, unknown> {
  if (sortKey.startsWith('MEMBER#'))
    return { ...tenantKeys.member(TENANT, BENCH_USER), memberId: BENCH_USER, role: 'manager' };
  return { ...tenantKeys.tenant(TENANT), ...tenantSettings(TENANT) };
}

/**
 * Answers GetItem (tenant settings, the bench user's membership) and Query (pages of synthetic
 * leads, newest first).
 */
function stubDynamoDb(total: number): Promise<{ endpoint: string; server: Server }> {
  const start = Date.now() - total * 1_000;
  // The service pages with the last lead it returned: remember where each lead sits.
  const positions = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const input = await body(req);
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    if (target.endsWith('.GetItem')) {
      const { SK } = unmarshall(input.Key as Parameters<typeof unmarshall>[0]);
      res.end(JSON.stringify({ Item: marshall(itemOf(String(SK))) }));
      return;
    }
    if (target.endsWith('.Query')) {
      const limit = Number(input.Limit ?? 100);
      const startKey = input.ExclusiveStartKey
        ? unmarshall(input.ExclusiveStartKey as Parameters<typeof unmarshall>[0])
        : undefined;
      const after = startKey ? positions.get(String(startKey.SK))! : total;
      positions.clear();
      const items = [];
      let last: Record<string, unknown> | undefined;
      for (let i = after - 1; i >= Math.max(0, after - limit); i--) {
        last = leadItem(syntheticLead(TENANT, i, start + i * 1_000));
        positions.set(String(last.SK), i);
        items.push(marshall(last, { removeUndefinedValues: true }));
      }
      const more = after - limit > 0 ? last : undefined;
      res.end(
        JSON.stringify({
          Items: items,
          Count: items.length,
          ScannedCount: items.length,
          ...(more ? { LastEvaluatedKey: marshall({ PK: more.PK, SK: more.SK }) } : {}),
        }),
      );
      return;
    }
    res.statusCode = 400;
    res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        server,
      }),
    ),
  );
}

async function exportOnce(total: number, issuer: TestIssuer) {
  const stub = await stubDynamoDb(total);
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: stub.endpoint,
    LEADS_TABLE: 'leads',
    TENANTS_TABLE: 'tenants',
    EVENT_BUS_NAME: 'bus',
    LEAD_INTAKE_QUEUE_URL: `${stub.endpoint}/queue/lead-intake`,
    AUTH_ISSUER: 'https://issuer.bench',
    AUTH_AUDIENCE: 'bench-client',
    AUTH_JWKS_URI: issuer.jwksUri,
  };
  const aws = createAwsClients({ region: 'us-east-1', endpoint: stub.endpoint });
  const leads = buildApp({
    config: loadConfig(LeadsConfigSchema, env),
    logger: createLogger({ service: 'leads', level: 'silent' }),
    aws,
  });
  const server = await listenOnLoopback(leads.app);
  try {
    return await exportAll(server.baseUrl, total, issuer);
  } finally {
    await server.close();
    stub.server.close();
    aws.destroy();
  }
}

/** Downloads the whole export as the bench user, counting rows and watching the heap. */
async function exportAll(baseUrl: string, total: number, issuer: TestIssuer) {
  const token = issuer.sign(
    {
      sub: BENCH_USER,
      token_use: 'id',
      aud: 'bench-client',
      'custom:tenant_id': TENANT,
      'cognito:groups': ['manager'],
    },
    { issuer: 'https://issuer.bench' },
  );
  // With --expose-gc (make bench sets it) each sample is the live heap, not garbage awaiting collection.
  const liveHeap = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const baseline = liveHeap();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, liveHeap())), 100);
  try {
    const started = Date.now();
    const res = await fetch(`${baseUrl}/v1/leads/export.csv`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let rows = -1;
    let bytes = 0;
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.length;
      rows += (decoder.decode(chunk.value, { stream: true }).match(/\r\n/g) ?? []).length;
    }
    const seconds = (Date.now() - started) / 1000;
    if (rows !== total) throw new Error(`export of ${total} leads produced ${rows} rows`);
    return { rows, bytes, seconds, peakGrowthMb: (peak - baseline) / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/** The export's two sizes: equal peak heap growth at both means memory stays flat. */
const EXPORT_SIZES = { small: 10_000, large: 100_000 };

export async function measureExport(sizes = EXPORT_SIZES): Promise<BenchFigures> {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const issuer = await new TestIssuer().start();
  try {
    const small = await exportOnce(sizes.small, issuer);
    const large = await exportOnce(sizes.large, issuer);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      heapMeasured: globalThis.gc
        ? 'live heap (gc before each sample)'
        : 'heap incl. garbage (run with --expose-gc for live heap)',
      export10kPeakHeapGrowthMb: round(small.peakGrowthMb),
      export100kPeakHeapGrowthMb: round(large.peakGrowthMb),
      export100kSeconds: round(large.seconds),
      export100kMb: round(large.bytes / 1024 / 1024),
      exportRowsPerSec: Math.round(large.rows / large.seconds),
    };
  } finally {
    await issuer.stop();
  }
}
