import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createAwsClients, type AwsClients } from '@leadflow/core';
import type { IngestionApp } from '../src/app';
import { startHarness, type Harness } from './harness';

/** A DynamoDB endpoint that throttles every call, as AWS does when a table is over capacity. */
async function throttlingDynamoDb(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('when DynamoDB throttles', () => {
  let h: Harness;
  let throttling: Server;
  let ingestion: IngestionApp;
  let clients: AwsClients;
  let apiKey: string;

  beforeAll(async () => {
    h = await startHarness();
    apiKey = (await h.createApiKey(await h.createTenant('zeta'))).key;
    throttling = await throttlingDynamoDb();
    const { port } = throttling.address() as AddressInfo;
    clients = createAwsClients({
      region: h.stack.env.AWS_REGION!,
      endpoint: `http://127.0.0.1:${port}`,
    });
    ingestion = h.anotherIngestion({}, clients);
  });
  afterAll(async () => {
    await h.close();
    clients.destroy();
    await new Promise((resolve) => throttling.close(resolve));
  });

  it('then an API key that cannot be looked up answers 503 with Retry-After, and nothing is published', async () => {
    const res = await request(ingestion.app)
      .post('/v1/ingest/leads')
      .set('X-Api-Key', apiKey)
      .send({ fields: { email: 'outage@example.com' } });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(await h.drainIntake()).toEqual([]);
  });
});
