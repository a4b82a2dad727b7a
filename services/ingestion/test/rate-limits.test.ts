import request from 'supertest';
import { startHarness, type Harness, type PublishedForm } from './harness';

const LIMITS = {
  INGEST_RATE_LIMIT_PER_IP: '3',
  INGEST_RATE_LIMIT_PER_FORM: '5',
  INGEST_RATE_LIMIT_PER_API_KEY: '2',
  INGEST_RATE_LIMIT_BAD_GOOGLE_KEYS: '3',
};

const WINDOW_MS = 60_000;

/**
 * The counters are per fixed 60-second window: a test that crosses into the next window
 * starts counting again. Each test starts with at least 20 s of its window left.
 */
async function clearOfWindowEdge(): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('rate limits', () => {
  let h: Harness;
  let admin: string;

  const submit = (app: Harness['ingestion']['app'], formKey: string, ip: string) =>
    request(app)
      .post(`/v1/ingest/forms/${formKey}`)
      .set('X-Forwarded-For', ip)
      .send({ email: 'jane@example.com' });

  async function newForm(): Promise<PublishedForm> {
    return h.publishForm(admin, { fields: [{ key: 'email', required: true }] });
  }

  function expectRateLimited(res: request.Response) {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.headers.ratelimit).toMatch(/r=0; t=\d+/);
    expect(res.headers['ratelimit-policy']).toMatch(/q=\d+; w=60/);
  }

  beforeAll(async () => {
    h = await startHarness(LIMITS);
    admin = await h.createTenant('delta');
  });
  beforeEach(async () => {
    await h.drainIntake();
    await clearOfWindowEdge();
  });
  afterAll(() => h.close());

  it('when a counted request is refused for its content, then its error carries the RateLimit headers too', async () => {
    const form = await newForm();
    const refused = await request(h.ingestion.app)
      .post(`/v1/ingest/forms/${form.formKey}`)
      .set('X-Forwarded-For', '198.51.100.9')
      .send({ email: 'jane@example.com', unknown: 'field' });
    expect(refused.status).toBe(400);
    expect(refused.headers.ratelimit).toContain('"ip"; r=2;');
    expect(refused.headers.ratelimit).toContain('"form"; r=');
    expect(refused.headers['ratelimit-policy']).toMatch(/q=\d+; w=60/);
  });

  it('when one address submits more than its limit, then 429 with Retry-After and RateLimit headers, and nothing more is published', async () => {
    const form = await newForm();
    for (let i = 0; i < 3; i++)
      expect((await submit(h.ingestion.app, form.formKey, '198.51.100.1')).status).toBe(202);
    await h.intakeEvents(3);
    const limited = await submit(h.ingestion.app, form.formKey, '198.51.100.1');
    expectRateLimited(limited);
    expect(limited.headers.ratelimit).toContain('"ip"');
    expect(await h.drainIntake()).toEqual([]);
    // Another address is not held back by the first one's count.
    expect((await submit(h.ingestion.app, form.formKey, '198.51.100.2')).status).toBe(202);
  });

  it('when a visitor’s browser posts a plain HTML form past the limit, then a 429 page that says when to try again, with the same headers', async () => {
    const form = await newForm();
    const post = () =>
      request(h.ingestion.app)
        .post(`/v1/ingest/forms/${form.formKey}`)
        .set('X-Forwarded-For', '198.51.100.3')
        .set('Accept', 'text/html,*/*;q=0.8')
        .type('form')
        .send('email=jane%40example.com');
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toBe('text/html; charset=utf-8');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(limited.text).toContain(
      `Too many submissions came from your network just now. Please try again in ${retryAfter} seconds.`,
    );
    expect(limited.headers.ratelimit).toMatch(/"ip"; r=0; t=\d+/);
  });

  it('when a form takes more than its limit from many addresses, then 429 for everyone on it, not on other forms', async () => {
    const form = await newForm();
    for (let i = 0; i < 5; i++)
      expect((await submit(h.ingestion.app, form.formKey, `198.51.101.${i}`)).status).toBe(202);
    const limited = await submit(h.ingestion.app, form.formKey, '198.51.101.99');
    expectRateLimited(limited);
    expect(limited.headers.ratelimit).toContain('"form"');
    const other = await newForm();
    expect((await submit(h.ingestion.app, other.formKey, '198.51.101.98')).status).toBe(202);
  });

  it('when a page of an allowed origin is held back by the address limit, then it can read the 429 through CORS', async () => {
    const origin = 'https://www.delta.example';
    const form = await h.publishForm(admin, {
      fields: [{ key: 'email', required: true }],
      allowedOrigins: [origin],
    });
    const fromPage = () =>
      request(h.ingestion.app)
        .post(`/v1/ingest/forms/${form.formKey}`)
        .set('X-Forwarded-For', '198.51.103.1')
        .set('Origin', origin)
        .send({ email: 'jane@example.com' });
    for (let i = 0; i < 3; i++) expect((await fromPage()).status).toBe(202);
    const limited = await fromPage();
    expectRateLimited(limited);
    expect(limited.headers['access-control-allow-origin']).toBe(origin);
    expect(limited.headers['access-control-expose-headers']).toMatch(/Retry-After/);
  });

  async function googleAdsForm(googleKey: string) {
    const form = await h.publishForm(admin, {
      fields: [{ key: 'email', required: true }],
      googleAdsKey: googleKey,
    });
    return (key: string, leadId: string, ip: string, formKey = form.formKey) =>
      request(h.ingestion.app)
        .post(`/v1/ingest/webhooks/google-ads/${formKey}`)
        .set('X-Forwarded-For', ip)
        .send({
          lead_id: leadId,
          google_key: key,
          form_id: 1,
          campaign_id: 2,
          user_column_data: [
            { column_id: 'EMAIL', string_value: 'g@example.com', column_name: 'Email' },
          ],
        });
  }

  it('when Google Ads deliveries carry a wrong google_key, then they do not spend the form’s quota', async () => {
    const googleKey = 'the-real-google-key';
    const deliver = await googleAdsForm(googleKey);
    // More wrong keys than the form's quota, from as many addresses as its wrong-key quota needs.
    for (let i = 0; i < 8; i++)
      expect((await deliver('guessed', `bad-${i}`, `203.0.113.${i % 4}`)).status).toBe(403);
    expect((await deliver(googleKey, 'good-1', '203.0.113.200')).status).toBe(200);
  });

  it('when one address sends a form more wrong google_keys than allowed, then every delivery from it to that form is refused, the right key too, and nothing is published', async () => {
    const googleKey = 'the-real-google-key';
    const deliver = await googleAdsForm(googleKey);
    const guesser = '203.0.113.77';
    for (let i = 0; i < 3; i++)
      expect((await deliver(`guess-${i}`, `guess-${i}`, guesser)).status).toBe(403);
    const refused = await deliver(googleKey, 'right-key', guesser);
    expectRateLimited(refused);
    expect(refused.headers.ratelimit).toContain('"google-ads-bad-keys"');
    expect(await h.drainIntake()).toEqual([]);
    // Google's own deliveries, from other addresses, and other forms are not held back.
    expect((await deliver(googleKey, 'from-google', '203.0.113.78')).status).toBe(200);
    const other = await googleAdsForm('another-google-key');
    expect((await other('another-google-key', 'other-form', guesser)).status).toBe(200);
  });

  it('when one address sends a form the same wrong google_key again and again, then it counts once, and the right key still passes', async () => {
    const googleKey = 'the-real-google-key';
    const deliver = await googleAdsForm(googleKey);
    const stale = '203.0.113.88';
    for (let i = 0; i < 6; i++)
      expect((await deliver('the-old-google-key', `stale-${i}`, stale)).status).toBe(403);
    expect((await deliver(googleKey, 'after-rotation', stale)).status).toBe(200);
  });

  it('when one address sends many wrong google_keys at once, then no more of them are checked than its quota allows', async () => {
    const deliver = await googleAdsForm('the-real-google-key');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        deliver(`parallel-${i}`, `parallel-${i}`, '203.0.113.99'),
      ),
    );
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array(3).fill(403), ...Array(7).fill(429)]);
  });

  it('when an API key sends more than its limit, then 429 for that key only', async () => {
    const key = await h.createApiKey(admin);
    const other = await h.createApiKey(admin);
    const send = (apiKey: string) =>
      request(h.ingestion.app)
        .post('/v1/ingest/leads')
        .set('X-Api-Key', apiKey)
        .send({ fields: { email: 'partner@example.com' } });
    expect((await send(key.key)).status).toBe(202);
    expect((await send(key.key)).status).toBe(202);
    const limited = await send(key.key);
    expectRateLimited(limited);
    expect(limited.headers.ratelimit).toContain('"api-key"');
    expect((await send(other.key)).status).toBe(202);
  });

  it('when two tasks take requests from one address, then the counts are shared through DynamoDB', async () => {
    const form = await newForm();
    const taskA = h.ingestion;
    const taskB = h.anotherIngestion();
    const ip = '198.51.102.1';
    for (let i = 0; i < 2; i++)
      expect((await submit(taskA.app, form.formKey, ip)).status).toBe(202);
    await taskA.syncRateLimits();
    // Task B has seen one request itself; after syncing it knows of A's two as well.
    expect((await submit(taskB.app, form.formKey, ip)).status).toBe(202);
    await taskB.syncRateLimits();
    expectRateLimited(await submit(taskB.app, form.formKey, ip));
  });
});
