import request from 'supertest';
import { startHarness, type Harness, type PublishedForm } from './harness';

const bot = { email: 'bot@spam.example', website: 'http://spam.example' };

describe('the honeypot and the Idempotency-Key', () => {
  let h: Harness;
  let form: PublishedForm;

  const submit = (key?: string) => {
    const req = request(h.ingestion.app).post(`/v1/ingest/forms/${form.formKey}`);
    return key === undefined ? req : req.set('Idempotency-Key', key);
  };

  beforeAll(async () => {
    h = await startHarness();
    const admin = await h.createTenant('honey');
    form = await h.publishForm(admin, {
      fields: [{ key: 'email', required: true }],
      honeypotField: 'website',
    });
  });
  beforeEach(async () => {
    await h.drainIntake();
  });
  afterAll(() => h.close());

  it('when a bot retries a honeypot hit with the same Idempotency-Key, then the first answer again, replayed, as for a person', async () => {
    const key = `honeypot-${Date.now()}`;
    const first = await submit(key).send(bot);
    const again = await submit(key).send(bot);
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await h.drainIntake()).toEqual([]);
  });

  it('when a bot sends another submission with the key of a honeypot hit, then 422, as for a person', async () => {
    const key = `honeypot-reuse-${Date.now()}`;
    expect((await submit(key).send(bot)).status).toBe(202);
    expect((await submit(key).send({ ...bot, email: 'other@spam.example' })).status).toBe(422);
    expect(await h.drainIntake()).toEqual([]);
  });

  it('when an HTML form post is retried with the same key, then the success page again, replayed', async () => {
    const key = `honeypot-html-${Date.now()}`;
    const post = () => submit(key).type('form').send('email=bot%40spam.example&website=x');
    expect((await post()).status).toBe(200);
    const again = await post();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await h.drainIntake()).toEqual([]);
  });

  it('when honeypot hits come without a key, then each is answered as a new lead, and none is published', async () => {
    const before = h.ingestion.metrics.snapshot().honeypot;
    const first = await submit().send(bot);
    const second = await submit().send(bot);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.leadId).not.toBe(first.body.leadId);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(h.ingestion.metrics.snapshot().honeypot).toBe(before + 2);
    expect(await h.drainIntake()).toEqual([]);
  });
});
