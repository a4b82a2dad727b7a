import request from 'supertest';
import { LeadReceivedSchema } from '@leadflow/contracts';
import { compileSchema } from '@leadflow/core';
import { startHarness, type Delivered, type Harness, type PublishedForm } from './harness';

const ORIGIN = 'https://www.alpha.test';
const PRIVACY = 'I agree that Alpha stores my data to answer me.';
const NEWSLETTER = 'Send me the newsletter.';

const contactForm = {
  fields: [
    { key: 'email', required: true },
    { key: 'firstName' },
    { key: 'lastName' },
    { key: 'phone' },
    { key: 'company' },
    { key: 'message' },
    { key: 'budget' },
    { key: 'product', required: true },
  ],
  consents: [
    { key: 'privacy', text: PRIVACY, required: true },
    { key: 'newsletter', text: NEWSLETTER, required: false },
  ],
  allowedOrigins: [ORIGIN],
  honeypotField: 'website',
  success: { redirectUrl: 'https://www.alpha.test/thanks' },
};

const submission = {
  email: '  Jane.Doe@Example.COM ',
  firstName: ' Jane ',
  lastName: 'Doe',
  phone: '030 1234567',
  company: 'Example GmbH',
  message: 'Please call me back.',
  budget: 5000,
  product: 'pro',
  consent_privacy: true,
  utm_source: 'newsletter',
  utm_campaign: 'spring',
  pageUrl: 'https://www.alpha.test/contact?x=1',
  referrer: 'https://search.example/',
};

const validEvent = compileSchema(LeadReceivedSchema);

describe('public form submissions', () => {
  let h: Harness;
  let admin: string;
  let form: PublishedForm;
  let plainForm: PublishedForm;
  let topicsForm: PublishedForm;

  const submit = (formKey: string) =>
    request(h.ingestion.app)
      .post(`/v1/ingest/forms/${formKey}`)
      .set('User-Agent', 'jest-agent/1.0')
      .set('X-Forwarded-For', '203.0.113.7');

  beforeAll(async () => {
    h = await startHarness({ INGEST_CONFIG_CACHE_SECONDS: '1' });
    admin = await h.createTenant('alpha', [
      { key: 'budget', label: 'Budget', type: 'number', min: 0 },
      { key: 'product', label: 'Product', type: 'select', options: ['basic', 'pro'] },
      { key: 'topics', label: 'Topics', type: 'multiselect', options: ['sales', 'support'] },
    ]);
    form = await h.publishForm(admin, contactForm);
    topicsForm = await h.publishForm(admin, {
      fields: [{ key: 'email', required: true }, { key: 'topics' }],
    });
    plainForm = await h.publishForm(admin, {
      fields: [{ key: 'email', required: true }, { key: 'firstName' }],
      success: { message: 'Thanks <b>& "welcome"</b>' },
    });
  });
  beforeEach(async () => {
    await h.drainIntake();
  });
  afterAll(() => h.close());

  it('when a multiselect’s choices come with spaces, then they are trimmed like every other string', async () => {
    const res = await submit(topicsForm.formKey).send({
      email: 'topics@example.com',
      topics: [' sales ', 'support', '  '],
    });
    expect(res.status).toBe(202);
    const [delivered] = await h.intakeEvents(1);
    expect(delivered!.detail.custom).toEqual({ topics: ['sales', 'support'] });
  });

  describe('a JSON submission', () => {
    let res: request.Response;
    let delivered: Delivered[];

    beforeAll(async () => {
      await h.drainIntake();
      res = await submit(form.formKey).set('Origin', ORIGIN).send(submission);
      delivered = await h.intakeEvents(1);
    });

    it('when valid, then 202 with a new lead id, and CORS for its origin', () => {
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        leadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
        status: 'accepted',
      });
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-origin']).not.toBe('*');
      expect(res.headers.ratelimit).toContain('"ip"');
    });

    it('when accepted, then exactly one lead.received with the normalised fields and the context arrives in lead-intake', async () => {
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({
        source: 'leadflow.ingestion',
        'detail-type': 'lead.received',
      });
      const detail = delivered[0]!.detail;
      expect(validEvent(detail)).toBe(true);
      expect(detail).toEqual({
        eventId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
        tenantId: 'alpha',
        occurredAt: expect.any(String),
        schemaVersion: 1,
        leadId: res.body.leadId,
        source: 'form',
        formId: form.id,
        fields: {
          email: 'jane.doe@example.com',
          firstName: 'Jane',
          lastName: 'Doe',
          phone: '+49301234567',
          company: 'Example GmbH',
          message: 'Please call me back.',
        },
        custom: { budget: 5000, product: 'pro' },
        context: {
          consents: [
            { key: 'privacy', text: PRIVACY, given: true, at: detail.occurredAt },
            { key: 'newsletter', text: NEWSLETTER, given: false, at: detail.occurredAt },
          ],
          utm: { source: 'newsletter', campaign: 'spring' },
          pageUrl: 'https://www.alpha.test/contact?x=1',
          referrer: 'https://search.example/',
          userAgent: 'jest-agent/1.0',
          ip: '203.0.113.7',
        },
        isTest: false,
      });
    });
  });

  describe('a plain HTML form post', () => {
    it('when valid and the form has a success URL, then 303 there, with the text values typed', async () => {
      const res = await submit(form.formKey)
        .set('Origin', ORIGIN)
        .set('Referer', 'https://www.alpha.test/landing')
        .type('form')
        .send(
          'email=max%40example.com&product=basic&budget=120&consent_privacy=on&consent_newsletter=on',
        );
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('https://www.alpha.test/thanks');
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail).toMatchObject({
        fields: { email: 'max@example.com' },
        custom: { budget: 120, product: 'basic' },
        context: {
          pageUrl: 'https://www.alpha.test/landing',
          consents: [
            { key: 'privacy', given: true },
            { key: 'newsletter', given: true },
          ],
        },
      });
    });

    it('when the form has no success URL, then a thank-you page with its message escaped', async () => {
      const res = await submit(plainForm.formKey).type('form').send('email=max%40example.com');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<p>Thanks &lt;b&gt;&amp; &quot;welcome&quot;&lt;/b&gt;</p>');
      expect(res.text).not.toContain('<b>');
      expect(await h.intakeEvents(1)).toHaveLength(1);
    });

    it('when a Latin-1 page posts without naming its charset, then the text is read as windows-1252', async () => {
      const res = await submit(form.formKey)
        .type('form')
        .send(
          'email=jose%40example.com&firstName=Jos%E9&company=%93Caf%E9+Cr%E8me%94&product=basic&consent_privacy=on',
        );
      expect(res.status).toBe(303);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toMatchObject({
        firstName: 'José',
        company: '“Café Crème”',
      });
    });

    it('when the charset is named windows-1252, then the text is read as such', async () => {
      const res = await submit(plainForm.formKey)
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=windows-1252')
        .send('email=jose%40example.com&firstName=Jos%E9+Mar%EDa');
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toMatchObject({ firstName: 'José María' });
    });

    it('when the text is UTF-8, then `+` is a space and the letters are kept', async () => {
      const res = await submit(plainForm.formKey)
        .type('form')
        .send('email=jose%40example.com&firstName=Jos%C3%A9+Mar%C3%ADa');
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toMatchObject({ firstName: 'José María' });
    });

    it('when invalid, then still a problem+json 400 naming the field', async () => {
      const res = await submit(form.formKey)
        .type('form')
        .send('email=nope&product=basic&consent_privacy=on');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'body.email', message: 'must match format "email"' },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('errors of plain HTML forms in a browser', () => {
    const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

    it('when invalid, then a 400 page for the visitor that names the field by its label', async () => {
      const res = await submit(form.formKey)
        .type('form')
        .set('Accept', BROWSER_ACCEPT)
        .send('email=nope&product=basic&consent_privacy=on');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers.vary).toContain('Accept');
      expect(res.text).toContain('<p>Some of what you entered needs another look.</p>');
      expect(res.text).toContain('<li>E-mail: must match format &quot;email&quot;</li>');
      expect(res.text).toContain(`Reference: urn:request:${res.headers['x-request-id']}`);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the form key names no form, then a 404 page', async () => {
      const res = await submit('frm_000000000000000000000000')
        .type('form')
        .set('Accept', BROWSER_ACCEPT)
        .send('email=jane%40example.com');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<p>This form is not available any more.</p>');
    });

    it('when a script posts JSON, or asks for JSON first, then problem+json', async () => {
      const json = await submit(form.formKey)
        .set('Accept', BROWSER_ACCEPT)
        .send({ ...submission, email: 'nope' });
      const asksJson = await submit(form.formKey)
        .type('form')
        .set('Accept', 'application/json, text/html;q=0.9')
        .send('email=nope&product=basic&consent_privacy=on');
      for (const res of [json, asksJson]) {
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('CORS', () => {
    it('when an allowed origin sends a preflight, then 204 with the method and headers it may use', async () => {
      const res = await request(h.ingestion.app)
        .options(`/v1/ingest/forms/${form.formKey}`)
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type, idempotency-key');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-methods']).toBe('POST');
      expect(res.headers['access-control-allow-headers']).toBe('Content-Type, Idempotency-Key');
      expect(res.headers.vary).toContain('Origin');
    });

    it('when another origin sends a preflight, then 403 without CORS headers', async () => {
      const res = await request(h.ingestion.app)
        .options(`/v1/ingest/forms/${form.formKey}`)
        .set('Origin', 'https://evil.test')
        .set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('when a preflight names an unknown form, then 404', async () => {
      const res = await request(h.ingestion.app)
        .options('/v1/ingest/forms/frm_000000000000000000000000')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(404);
    });

    it('when a page of another origin submits, then 403 problem+json and nothing is published', async () => {
      const res = await submit(form.formKey).set('Origin', 'https://evil.test').send(submission);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 403,
        detail: expect.stringContaining('https://evil.test'),
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when a page with a no-referrer policy posts a plain HTML form (Origin: null), then the lead is accepted without CORS headers', async () => {
      const res = await submit(form.formKey)
        .set('Origin', 'null')
        .type('form')
        .send('email=max%40example.com&product=basic&consent_privacy=on');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('https://www.alpha.test/thanks');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail).toMatchObject({ fields: { email: 'max@example.com' } });
    });

    it('when a preflight comes from the opaque origin null, then 403 without CORS headers', async () => {
      const res = await request(h.ingestion.app)
        .options(`/v1/ingest/forms/${form.formKey}`)
        .set('Origin', 'null')
        .set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('when a server posts without Origin, then CORS does not apply and the lead is accepted', async () => {
      const res = await submit(form.formKey).send(submission);
      expect(res.status).toBe(202);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(await h.intakeEvents(1)).toHaveLength(1);
    });
  });

  describe('the honeypot', () => {
    it('when a bot fills it, then 202 like any other, nothing is published, and it is counted and logged', async () => {
      const before = h.ingestion.metrics.snapshot().honeypot;
      const res = await submit(form.formKey).send({
        ...submission,
        website: 'http://spam.example',
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        leadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
        status: 'accepted',
      });
      expect(await h.drainIntake()).toEqual([]);
      expect(h.ingestion.metrics.snapshot().honeypot).toBe(before + 1);
      expect(h.logs.some((line) => line.includes('honeypot filled'))).toBe(true);
    });

    it('when a bot fills it in an HTML form, then it is sent to the success URL too', async () => {
      const res = await submit(form.formKey)
        .type('form')
        .send('email=bot%40spam.example&website=x');
      expect(res.status).toBe(303);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('when a submission is retried with the same Idempotency-Key, then the first answer again and one event', async () => {
      const key = `retry-${Date.now()}`;
      const first = await submit(form.formKey).set('Idempotency-Key', key).send(submission);
      const again = await submit(form.formKey).set('Idempotency-Key', key).send(submission);
      expect(first.status).toBe(202);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const events = await h.intakeEvents(1);
      expect(events.map((e) => e.detail.leadId)).toEqual([first.body.leadId]);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the same key comes with another submission, then 422 and nothing more is published', async () => {
      const key = `reuse-${Date.now()}`;
      expect((await submit(form.formKey).set('Idempotency-Key', key).send(submission)).status).toBe(
        202,
      );
      await h.intakeEvents(1);
      const other = await submit(form.formKey)
        .set('Idempotency-Key', key)
        .send({ ...submission, firstName: 'Someone else' });
      expect(other.status).toBe(422);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the Idempotency-Key is not visible ASCII, then 400 naming the header', async () => {
      const res = await submit(form.formKey).set('Idempotency-Key', 'has space').send(submission);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('bad input: each answers its status with a problem+json naming the field, and publishes nothing', () => {
    const cases: Array<[string, number, (formKey: string) => request.Test, object | undefined]> = [
      [
        'invalid JSON',
        400,
        (k) =>
          submit(k).set('Content-Type', 'application/json').send('{"email": "jane@example.com",'),
        undefined,
      ],
      [
        'a wrong content type',
        415,
        (k) => submit(k).set('Content-Type', 'text/plain').send('email=jane'),
        undefined,
      ],
      [
        'a body over 32 KiB',
        413,
        (k) => submit(k).send({ ...submission, message: 'x'.repeat(33 * 1024) }),
        undefined,
      ],
      [
        'an unknown field',
        400,
        (k) => submit(k).send({ ...submission, isAdmin: true }),
        { field: 'body.isAdmin', message: 'is not an allowed field' },
      ],
      [
        'a missing required field',
        400,
        (k) => {
          const { product: _product, ...rest } = submission;
          return submit(k).send(rest);
        },
        { field: 'body.product', message: 'is required' },
      ],
      [
        'a required field left empty',
        400,
        (k) => submit(k).send({ ...submission, product: '  ' }),
        { field: 'body.product', message: 'is required' },
      ],
      [
        'a required consent not given',
        400,
        (k) => submit(k).send({ ...submission, consent_privacy: false }),
        { field: 'body.consent_privacy', message: 'must be true' },
      ],
      [
        'a __proto__ key',
        400,
        (k) =>
          submit(k)
            .set('Content-Type', 'application/json')
            .send(
              '{"email":"jane@example.com","product":"pro","consent_privacy":true,"__proto__":{"isAdmin":true}}',
            ),
        { field: 'body.__proto__', message: 'is a forbidden key' },
      ],
      [
        'a body of 10 KB of nested arrays',
        400,
        (k) =>
          submit(k)
            .set('Content-Type', 'application/json')
            .send(`{"email":${'['.repeat(5_000)}${']'.repeat(5_000)}}`),
        { field: 'body.email', message: 'nests deeper than 32 levels' },
      ],
      [
        'a __proto__ key in a plain HTML form',
        400,
        (k) =>
          submit(k)
            .type('form')
            .send('email=jane%40example.com&product=pro&consent_privacy=on&__proto__=x'),
        { field: 'body.__proto__', message: 'is a forbidden key' },
      ],
      [
        'a plain HTML form in a charset other than UTF-8 or windows-1252',
        415,
        (k) =>
          submit(k)
            .set('Content-Type', 'application/x-www-form-urlencoded; charset=shift_jis')
            .send('email=jane%40example.com&product=pro&consent_privacy=on'),
        undefined,
      ],
      [
        'a plain HTML form over 32 KiB',
        413,
        (k) =>
          submit(k)
            .type('form')
            .send(`email=jane%40example.com&message=${'%41'.repeat(11 * 1024)}`),
        undefined,
      ],
      [
        'a phone number that is none',
        400,
        (k) => submit(k).send({ ...submission, phone: '030 12' }),
        { field: 'body.phone', message: 'is not a valid phone number for DE' },
      ],
      [
        'a first name longer than a lead may have',
        400,
        (k) => submit(k).send({ ...submission, firstName: 'J'.repeat(101) }),
        { field: 'body.firstName', message: 'must NOT have more than 100 characters' },
      ],
      [
        'an unknown form',
        404,
        () => submit('frm_000000000000000000000000').send(submission),
        undefined,
      ],
      ['a malformed form key', 404, () => submit('not-a-key').send(submission), undefined],
    ];

    it.each(cases)('when %s, then %i', async (_what, status, send, fieldError) => {
      const res = await send(form.formKey);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status,
        type: expect.any(String),
        title: expect.any(String),
      });
      if (fieldError) expect(res.body.errors).toContainEqual(fieldError);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('publishing', () => {
    it('when a form is unpublished, then its submissions answer 404 once the cache expired', async () => {
      const temporary = await h.publishForm(admin, { fields: [{ key: 'email', required: true }] });
      expect((await submit(temporary.formKey).send({ email: 'a@example.com' })).status).toBe(202);
      await h.intakeEvents(1);
      await h.unpublishForm(admin, temporary.id);
      await new Promise((r) => setTimeout(r, 1_100));
      const res = await submit(temporary.formKey).send({ email: 'a@example.com' });
      expect(res.status).toBe(404);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when a new version is published, then it judges submissions once the cache expired', async () => {
      const evolving = await h.publishForm(admin, { fields: [{ key: 'email', required: true }] });
      const withCompany = { email: 'a@example.com', company: 'Acme' };
      expect((await submit(evolving.formKey).send(withCompany)).status).toBe(400);
      await h.republishForm(admin, evolving.id, {
        fields: [{ key: 'email', required: true }, { key: 'company' }],
      });
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await submit(evolving.formKey).send(withCompany)).status).toBe(202);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toEqual({ email: 'a@example.com', company: 'Acme' });
    });
  });
});
