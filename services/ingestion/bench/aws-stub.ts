/**
 * A loopback stand-in for the AWS calls ingestion makes, answering each at once, so that a
 * benchmark measures the service and not the emulator: DynamoDB GetItem (the published form and
 * its tenant's settings), UpdateItem (rate-limit counters), PutItem/DeleteItem (idempotency
 * records) and EventBridge PutEvents (every entry accepted). GET /stats tells how many entries and calls it saw, and shows
 * the first entry.
 * Run as its own process: `PORT=… node --import tsx aws-stub.ts`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { marshall } from '@aws-sdk/util-dynamodb';
import { tenantKeys } from '@leadflow/contracts';
import { BENCH_FORM_KEY, benchFormItem, benchTenantSettings } from './fixture';

const formItem = marshall(
  { ...tenantKeys.publishedForm(BENCH_FORM_KEY), ...benchFormItem() },
  { removeUndefinedValues: true },
);
const tenantItem = marshall(
  { ...tenantKeys.tenant('bench'), ...benchTenantSettings() },
  { removeUndefinedValues: true },
);
const items = new Map([
  [`FORMKEY#${BENCH_FORM_KEY}`, formItem],
  ['TENANT#bench', tenantItem],
]);
const stats = {
  putEventsCalls: 0,
  entries: 0,
  getItem: 0,
  updateItem: 0,
  other: 0,
  /** The first entry published: the SDK baseline sends ones just like it. */
  sampleEntry: undefined as unknown,
};

type Body = Record<string, unknown>;

function answer(target: string, body: Body): { status: number; json: unknown } {
  switch (target) {
    case 'DynamoDB_20120810.GetItem': {
      stats.getItem += 1;
      const pk = (body.Key as { PK?: { S?: string } }).PK?.S;
      const item = pk === undefined ? undefined : items.get(pk);
      return { status: 200, json: item ? { Item: item } : {} };
    }
    case 'DynamoDB_20120810.UpdateItem': {
      // A rate-limit sync: the task's total for the window, answered as the only task's.
      stats.updateItem += 1;
      const task = (body.ExpressionAttributeNames as Record<string, string> | undefined)?.['#task'];
      const ours = (body.ExpressionAttributeValues as Record<string, { N?: string }>)[':ours'];
      return {
        status: 200,
        json: { Attributes: task ? { [task]: { N: ours?.N ?? '0' } } : {} },
      };
    }
    case 'DynamoDB_20120810.PutItem':
    case 'DynamoDB_20120810.DeleteItem':
    case 'DynamoDB_20120810.DescribeTable':
      stats.other += 1;
      return { status: 200, json: {} };
    case 'AWSEvents.PutEvents': {
      const entries = body.Entries as unknown[];
      stats.putEventsCalls += 1;
      stats.entries += entries.length;
      stats.sampleEntry ??= entries[0];
      return {
        status: 200,
        json: { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) },
      };
    }
    default:
      return {
        status: 400,
        json: {
          __type: 'UnknownOperationException',
          message: `the stub does not answer ${target}`,
        },
      };
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const { status, json } = answer(target, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    const text = JSON.stringify(json);
    res.writeHead(status, {
      'content-type': target.startsWith('DynamoDB')
        ? 'application/x-amz-json-1.0'
        : 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`aws stub listening\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
