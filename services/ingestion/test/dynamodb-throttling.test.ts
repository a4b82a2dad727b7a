import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createAwsClients, type AwsClients } from '@leadflow/core';
import type { IngestionApp } from '../src/app';
import { clientsRelaying, startHarness, TcpSwitch, type Harness } from './harness';

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

describe('when DynamoDB becomes unreachable after the API key was read', () => {
  let h: Harness;
  let relay: TcpSwitch;
  let ingestion: IngestionApp;
  let clients: AwsClients;
  let apiKey: string;
  let formId: string;

  const ingest = (body: object, path = '/v1/ingest/leads') =>
    request(ingestion.app).post(path).set('X-Api-Key', apiKey).send(body);

  beforeAll(async () => {
    h = await startHarness();
    relay = new TcpSwitch(new URL(h.stack.env.AWS_ENDPOINT_URL!));
    await relay.on();
    clients = clientsRelaying(h.stack, 'dynamodb', relay.endpoint);
    ingestion = h.anotherIngestion({}, clients);
    const admin = await h.createTenant('eta');
    apiKey = (await h.createApiKey(admin)).key;
    formId = (await h.publishForm(admin, { fields: [{ key: 'email', required: true }] })).id;
    // The key and the tenant's rules are cached; the form has not been looked up yet.
    expect((await ingest({ fields: { email: 'warm@example.com' } })).status).toBe(202);
    await h.intakeEvents(1);
    await relay.off();
  });
  afterAll(async () => {
    await relay.off();
    await h.close();
    clients.destroy();
  });

  it('then a lead naming a form that cannot be looked up answers 503, and nothing is published', async () => {
    const single = await ingest({ formId, fields: { email: 'single@example.com' } });
    expect(single.status).toBe(503);
    expect(single.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(single.headers['retry-after'])).toBeGreaterThan(0);
    const batch = await ingest(
      {
        leads: [
          { fields: { email: 'formless@example.com' } },
          { formId, fields: { email: 'batched@example.com' } },
        ],
      },
      '/v1/ingest/leads/batch',
    );
    expect(batch.status).toBe(503);
    expect(await h.drainIntake()).toEqual([]);
  });

  it('then, once it is back, the same lead is accepted', async () => {
    await relay.on();
    const res = await ingest({ formId, fields: { email: 'single@example.com' } });
    expect(res.status).toBe(202);
    const [event] = await h.intakeEvents(1);
    expect(event?.detail).toMatchObject({ formId, fields: { email: 'single@example.com' } });
  });
});
