import request from 'supertest';
import type { AwsClients } from '@leadflow/core';
import type { IngestionApp } from '../src/app';
import {
  clientsRelaying,
  startHarness,
  TcpSwitch,
  type Harness,
  type PublishedForm,
} from './harness';

describe('when EventBridge is unreachable', () => {
  let h: Harness;
  let relay: TcpSwitch;
  let ingestion: IngestionApp;
  let clients: AwsClients;
  let form: PublishedForm;
  let apiKey: string;
  const started = Date.now();

  const submit = (body: object, idempotencyKey?: string) => {
    const req = request(ingestion.app).post(`/v1/ingest/forms/${form.formKey}`);
    if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
    return req.send(body);
  };

  beforeAll(async () => {
    h = await startHarness();
    relay = new TcpSwitch(new URL(h.stack.env.AWS_ENDPOINT_URL!));
    await relay.on();
    clients = clientsRelaying(h.stack, 'eventBridge', relay.endpoint);
    ingestion = h.anotherIngestion({ INGEST_PUBLISH_BUDGET_MS: '1500' }, clients);
    const admin = await h.createTenant('epsilon');
    form = await h.publishForm(admin, { fields: [{ key: 'email', required: true }] });
    apiKey = (await h.createApiKey(admin)).key;
    // Warm the caches while DynamoDB and EventBridge both answer.
    expect((await submit({ email: 'warm@example.com' })).status).toBe(202);
    await h.intakeEvents(1);
    await relay.off();
  });
  afterAll(async () => {
    await relay.off();
    await h.close();
    clients.destroy();
  });

  it('then a submission answers 503 with Retry-After within its budget, and nothing is published', async () => {
    const before = Date.now();
    const res = await submit({ email: 'outage@example.com' }, `outage-${started}`);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Date.now() - before).toBeLessThan(4_000);
    expect(await h.drainIntake()).toEqual([]);
    expect(ingestion.metrics.snapshot().publishFailed).toBeGreaterThan(0);
  });

  it('then a visitor’s plain HTML form shows a 503 page that says when to try again, and nothing is published', async () => {
    const res = await request(ingestion.app)
      .post(`/v1/ingest/forms/${form.formKey}`)
      .set('Accept', 'text/html,*/*;q=0.8')
      .type('form')
      .send('email=visitor%40example.com');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain(
      `We could not take your submission just now. Please try again in ${res.headers['retry-after']} seconds.`,
    );
    expect(await h.drainIntake()).toEqual([]);
  });

  it('then server-to-server leads, single and batched, answer 503 too, and nothing is published', async () => {
    const single = await request(ingestion.app)
      .post('/v1/ingest/leads')
      .set('X-Api-Key', apiKey)
      .send({ fields: { email: 'api@example.com' } });
    expect(single.status).toBe(503);
    const batch = await request(ingestion.app)
      .post('/v1/ingest/leads/batch')
      .set('X-Api-Key', apiKey)
      .send({
        leads: [{ fields: { email: 'a@example.com' } }, { fields: { email: 'b@example.com' } }],
      });
    expect(batch.status).toBe(503);
    expect(Number(batch.headers['retry-after'])).toBeGreaterThan(0);
    expect(await h.drainIntake()).toEqual([]);
  });

  describe('and it comes back', () => {
    beforeAll(async () => {
      await relay.on();
    });

    it('then the client’s retry with the same Idempotency-Key is processed anew and accepted, once', async () => {
      const res = await submit({ email: 'outage@example.com' }, `outage-${started}`);
      expect(res.status).toBe(202);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      const events = await h.intakeEvents(1);
      expect(events.map((e) => e.detail.leadId)).toEqual([res.body.leadId]);
      expect(events[0]!.detail.fields).toEqual({ email: 'outage@example.com' });
    });

    it('then new submissions are accepted again', async () => {
      const res = await submit({ email: 'after@example.com' });
      expect(res.status).toBe(202);
      expect(await h.intakeEvents(1)).toHaveLength(1);
    });
  });

  describe('and it takes the entry but answers only after the budget', () => {
    afterAll(() => {
      relay.answerDelayMs = 0;
    });

    it('then the retry with the same Idempotency-Key publishes the lead again under the same lead id', async () => {
      relay.answerDelayMs = 2_500;
      const late = await submit({ email: 'late@example.com' }, `late-${started}`);
      expect(late.status).toBe(503);
      const arrivedAnyway = await h.intakeEvents(1);
      relay.answerDelayMs = 0;

      const retried = await submit({ email: 'late@example.com' }, `late-${started}`);
      expect(retried.status).toBe(202);
      const again = await h.intakeEvents(1);
      const leadIds = new Set([...arrivedAnyway, ...again].map((e) => e.detail.leadId));
      expect([...leadIds]).toEqual([retried.body.leadId]);
    });

    it('then the same key with another request answers 422 until a retry succeeded', async () => {
      relay.answerDelayMs = 2_500;
      expect((await submit({ email: 'first@example.com' }, `bound-${started}`)).status).toBe(503);
      relay.answerDelayMs = 0;
      const other = await submit({ email: 'other@example.com' }, `bound-${started}`);
      expect(other.status).toBe(422);
      await h.drainIntake();
    });
  });

  describe('and it takes every entry of a batch but some of its answers are lost', () => {
    beforeAll(async () => {
      await relay.off();
      await relay.on();
    });
    afterEach(() => jest.restoreAllMocks());

    const batch = (key: string) =>
      request(ingestion.app)
        .post('/v1/ingest/leads/batch')
        .set('X-Api-Key', apiKey)
        .set('Idempotency-Key', key)
        .send({
          leads: Array.from({ length: 11 }, (_, i) => ({
            fields: { email: `batch${i}.${started}@example.com` },
          })),
        });

    it('then with an Idempotency-Key the batch answers 503, and its retry publishes every lead again under its first lead id', async () => {
      const send = clients.eventBridge.send.bind(clients.eventBridge);
      let answered = 0;
      // 11 leads make two PutEvents calls: EventBridge takes both, but only the first answer
      // (and none of the retries') gets back in time.
      const laterAnswersLost = async (command: Parameters<typeof send>[0]) => {
        const answer = await send(command);
        if (answered++ > 0)
          throw Object.assign(new Error('no answer in time'), { name: 'TimeoutError' });
        return answer;
      };
      jest
        .spyOn(clients.eventBridge, 'send')
        .mockImplementation(laterAnswersLost as typeof clients.eventBridge.send);
      const first = await batch(`batch-${started}`);
      expect(first.status).toBe(503);
      expect(first.body.detail).toMatch(/same Idempotency-Key/);
      jest.restoreAllMocks();

      const retried = await batch(`batch-${started}`);
      expect(retried.status).toBe(207);
      expect(retried.body).toMatchObject({ accepted: 11, failed: 0 });
      const leadIdOf = new Map<string, string>(
        (retried.body.results as Array<{ index: number; leadId: string }>).map((r) => [
          `batch${r.index}.${started}@example.com`,
          r.leadId,
        ]),
      );
      const delivered = await h.drainIntake();
      expect(new Set(delivered.map((e) => e.detail.fields.email))).toEqual(
        new Set(leadIdOf.keys()),
      );
      for (const event of delivered)
        expect(event.detail.leadId).toBe(leadIdOf.get(event.detail.fields.email!));
    });
  });
});

describe('when EventBridge refuses the call', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('then the lead is not accepted: 503, the error logged by its AWS name, nothing published', async () => {
    const admin = await h.createTenant('zeta');
    const form = await h.publishForm(admin, { fields: [{ key: 'email', required: true }] });
    const app = h.anotherIngestion({
      EVENT_BUS_NAME: 'no-such-bus',
      INGEST_PUBLISH_BUDGET_MS: '3000',
    }).app;
    const res = await request(app)
      .post(`/v1/ingest/forms/${form.formKey}`)
      .send({ email: 'nobus@example.com' });
    expect(res.status).toBe(503);
    const warning = h.logs.filter((line) => line.includes('event not published')).pop();
    expect(warning).toMatch(/"code":"ResourceNotFoundException"/);
    expect(await h.drainIntake()).toEqual([]);
  });
});
