import request from 'supertest';
import { LeadReceivedSchema } from '@leadflow/contracts';
import { compileSchema } from '@leadflow/core';
import { startHarness, type Harness } from './harness';

const validEvent = compileSchema(LeadReceivedSchema);

const lead = {
  fields: {
    email: 'Max.Mustermann@Example.COM',
    firstName: 'Max ',
    lastName: 'Mustermann',
    phone: '0151 23456789',
    company: 'Muster AG',
  },
  custom: { budget: 12000, tier: 'gold' },
  context: {
    utm: { source: 'partner', campaign: 'q4' },
    pageUrl: 'https://partner.example/offer',
    consents: [
      {
        key: 'privacy',
        text: 'I agree to the privacy policy.',
        given: true,
        at: '2026-11-20T14:29:12.000Z',
      },
    ],
  },
  externalId: 'crm-4711',
};

describe('server-to-server ingestion', () => {
  let h: Harness;
  let admin: string;
  let key: { id: string; key: string };

  const post = (path: string, apiKey = key.key) =>
    request(h.ingestion.app).post(path).set('X-Api-Key', apiKey);

  beforeAll(async () => {
    // A revoked key must stop working at once here, so nothing is cached.
    h = await startHarness({ INGEST_CONFIG_CACHE_SECONDS: '0' });
    admin = await h.createTenant('beta', [
      { key: 'budget', label: 'Budget', type: 'number', min: 0 },
      { key: 'tier', label: 'Tier', type: 'select', options: ['silver', 'gold'], required: true },
    ]);
    key = await h.createApiKey(admin);
  });
  beforeEach(async () => {
    await h.drainIntake();
  });
  afterAll(() => h.close());

  describe('one lead', () => {
    it('when its context and external id come with spaces, then they are trimmed, and a blank one left out', async () => {
      const res = await post('/v1/ingest/leads').send({
        fields: { email: 'spaces@example.com' },
        custom: { tier: 'gold' },
        context: {
          utm: { source: '  partner  ', medium: '   ' },
          pageUrl: ' https://partner.example/offer ',
          referrer: '  ',
        },
        externalId: '   ',
      });
      expect(res.status).toBe(202);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.context).toEqual({
        utm: { source: 'partner' },
        pageUrl: 'https://partner.example/offer',
        consents: [],
      });
      expect(delivered!.detail).not.toHaveProperty('externalId');
    });

    it('when sent with a valid key, then 202 and one lead.received of the key’s tenant, normalised, source api', async () => {
      const res = await post('/v1/ingest/leads').send(lead);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ leadId: expect.any(String), status: 'accepted' });
      expect(res.headers.ratelimit).toContain('"api-key"');
      const [delivered, ...more] = await h.intakeEvents(1);
      expect(more).toEqual([]);
      expect(validEvent(delivered!.detail)).toBe(true);
      expect(delivered!.detail).toEqual({
        eventId: expect.any(String),
        tenantId: 'beta',
        occurredAt: expect.any(String),
        schemaVersion: 1,
        leadId: res.body.leadId,
        source: 'api',
        fields: {
          email: 'max.mustermann@example.com',
          firstName: 'Max',
          lastName: 'Mustermann',
          phone: '+4915123456789',
          company: 'Muster AG',
        },
        custom: { budget: 12000, tier: 'gold' },
        context: lead.context,
        isTest: false,
        externalId: 'crm-4711',
      });
    });

    it('when flagged as a test, then the event says so', async () => {
      const res = await post('/v1/ingest/leads').send({ ...lead, isTest: true });
      expect(res.status).toBe(202);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.isTest).toBe(true);
    });

    it('when retried with the same Idempotency-Key, then the first answer and one event', async () => {
      const first = await post('/v1/ingest/leads').set('Idempotency-Key', 'partner-1').send(lead);
      const again = await post('/v1/ingest/leads').set('Idempotency-Key', 'partner-1').send(lead);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect((await h.intakeEvents(1)).map((e) => e.detail.leadId)).toEqual([first.body.leadId]);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('the form a lead is attributed to', () => {
    let ours: string;
    let theirs: string;
    beforeAll(async () => {
      ours = (await h.publishForm(admin, { fields: [{ key: 'email', required: true }] })).id;
      const other = await h.createTenant('gamma');
      theirs = (await h.publishForm(other, { fields: [{ key: 'email', required: true }] })).id;
    });

    it('when it is a form of the tenant, then the lead is published with it', async () => {
      const res = await post('/v1/ingest/leads').send({ ...lead, formId: ours });
      expect(res.status).toBe(202);
      const [event] = await h.intakeEvents(1);
      expect(event!.detail.formId).toBe(ours);
    });

    it.each([
      ['another tenant’s form', () => theirs],
      ['no form at all', () => '01JDQ3V6Z8R6J5X1M8T0N4K2W9'],
    ])('when it is %s, then 400 naming formId, and nothing is published', async (_, formId) => {
      const res = await post('/v1/ingest/leads').send({ ...lead, formId: formId() });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'body.formId', message: 'is not a form of this tenant' },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when a batch item names another tenant’s form, then that item is rejected and the others published', async () => {
      const res = await post('/v1/ingest/leads/batch').send({
        leads: [
          { ...lead, formId: ours },
          { ...lead, formId: theirs },
        ],
      });
      expect(res.status).toBe(207);
      expect(res.body.results).toEqual([
        { index: 0, status: 'accepted', leadId: expect.any(String) },
        {
          index: 1,
          status: 'rejected',
          errors: [{ field: 'body.leads.1.formId', message: 'is not a form of this tenant' }],
        },
      ]);
      const events = await h.intakeEvents(1);
      expect(events.map((e) => e.detail.formId)).toEqual([ours]);
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('authentication', () => {
    it('when the key is missing, then 401 saying which header to send', async () => {
      const res = await request(h.ingestion.app).post('/v1/ingest/leads').send(lead);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('ApiKey header="X-Api-Key"');
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the key is unknown, then 401', async () => {
      const res = await post('/v1/ingest/leads', `lf_live_${'x'.repeat(40)}`).send(lead);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('ApiKey header="X-Api-Key"');
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the key was revoked, then 401 problem+json and nothing is published', async () => {
      const doomed = await h.createApiKey(admin);
      expect((await post('/v1/ingest/leads', doomed.key).send(lead)).status).toBe(202);
      await h.intakeEvents(1);
      await h.revokeApiKey(admin, doomed.id);
      const res = await post('/v1/ingest/leads', doomed.key).send(lead);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toBe('The API key is unknown or revoked');
      expect(await h.drainIntake()).toEqual([]);
    });
  });

  describe('bad input: 400 naming the field, nothing published', () => {
    const cases: Array<[string, object, object]> = [
      [
        'an unknown top-level field',
        { ...lead, tenantId: 'alpha' },
        { field: 'body.tenantId', message: 'is not an allowed field' },
      ],
      [
        'an unknown lead field',
        { ...lead, fields: { ...lead.fields, salary: '1' } },
        { field: 'body.fields.salary', message: 'is not an allowed field' },
      ],
      [
        'a custom key no custom field can have',
        { ...lead, custom: { ...lead.custom, shoeSize: 44 } },
        { field: 'body.custom.shoeSize', message: 'is not an allowed field' },
      ],
      [
        'a custom field the tenant does not have',
        { ...lead, custom: { ...lead.custom, shoe_size: 44 } },
        { field: 'body.custom.shoe_size', message: 'is not an allowed field' },
      ],
      [
        'a custom value of the wrong type',
        { ...lead, custom: { budget: 'a lot', tier: 'gold' } },
        { field: 'body.custom.budget', message: 'must be number' },
      ],
      [
        'a custom number larger than a lead can store',
        { ...lead, custom: { budget: 1e20, tier: 'gold' } },
        // Named; which of the custom value's types Ajv reports first is its own.
        { field: 'body.custom.budget', message: expect.any(String) },
      ],
      [
        'a required custom field missing',
        { ...lead, custom: { budget: 1 } },
        { field: 'body.custom.tier', message: 'is required' },
      ],
      [
        'a required custom field sent blank',
        { ...lead, custom: { budget: 1, tier: '   ' } },
        { field: 'body.custom.tier', message: 'is required' },
      ],
      [
        'neither e-mail nor phone',
        { ...lead, fields: { firstName: 'Max' } },
        { field: 'body.fields', message: 'needs an email or a phone' },
      ],
      [
        'a phone number that is none',
        { ...lead, fields: { ...lead.fields, phone: '030 12' } },
        { field: 'body.fields.phone', message: 'is not a valid phone number for DE' },
      ],
      [
        'a string beyond its maximum length',
        { ...lead, externalId: 'x'.repeat(201) },
        { field: 'body.externalId', message: 'must NOT have more than 200 characters' },
      ],
    ];

    it.each(cases)('when %s', async (_what, body, fieldError) => {
      const res = await post('/v1/ingest/leads').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toContainEqual(fieldError);
      expect(await h.drainIntake()).toEqual([]);
    });

    it.each(['/v1/ingest/leads', '/v1/ingest/leads/batch'])(
      'when %s gets JSON in a charset JSON does not come in, then 415',
      async (path) => {
        const res = await post(path)
          .set('Content-Type', 'application/json; charset=latin1')
          .send(JSON.stringify(path.endsWith('batch') ? { leads: [lead] } : lead));
        expect(res.status).toBe(415);
        expect(await h.drainIntake()).toEqual([]);
      },
    );

    it.each([
      ['/v1/ingest/leads', '{"fields":%s}', 'body.fields'],
      ['/v1/ingest/leads/batch', '{"leads":[%s]}', 'body.leads'],
    ])(
      'when %s gets 10 KB of nested arrays, then 400, not a stack overflow',
      async (path, shape, field) => {
        const nested = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
        const res = await post(path)
          .set('Content-Type', 'application/json')
          .send(shape.replace('%s', nested));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field, message: 'nests deeper than 32 levels' }]);
        expect(await h.drainIntake()).toEqual([]);
      },
    );
  });

  describe('a batch', () => {
    it('when an item fits the body but its event would be over the 256 KiB EventBridge takes, then that item is rejected, not the batch answered 503', async () => {
      const wideAdmin = await h.createTenant(
        'wide',
        ['n1', 'n2', 'n3', 'n4'].map((k) => ({ key: k, label: k, type: 'textarea' })),
      );
      const wideKey = (await h.createApiKey(wideAdmin)).key;
      const wide = (characters: number) => '😀'.repeat(characters); // 4 bytes each
      const big = {
        fields: { email: 'big@example.com', message: wide(5_000) },
        custom: { n1: wide(5_000), n2: wide(5_000), n3: wide(5_000), n4: wide(5_000) },
        context: {
          consents: Array.from({ length: 20 }, (_, i) => ({
            key: `c${i}`,
            text: wide(2_000),
            given: true,
            at: '2026-01-01T00:00:00.000Z',
          })),
          pageUrl: '',
        },
      };
      const small = { fields: { email: 'small@example.com' } };
      const bodyOf = () => JSON.stringify({ leads: [big, small] });
      big.context.pageUrl = `https://x.example/${'p'.repeat(256 * 1024 - 100 - Buffer.byteLength(bodyOf()))}`;
      expect(Buffer.byteLength(bodyOf())).toBeLessThanOrEqual(256 * 1024);

      const res = await post('/v1/ingest/leads/batch', wideKey)
        .set('Content-Type', 'application/json')
        .send(bodyOf());

      expect(res.status).toBe(207);
      expect(res.body).toMatchObject({ accepted: 1, rejected: 1, failed: 0 });
      expect(res.body.results[0]).toEqual({
        index: 0,
        status: 'rejected',
        errors: [
          { field: 'body.leads.0', message: 'makes an event over the 256 KiB an event may be' },
        ],
      });
      expect((await h.intakeEvents(1)).map((e) => e.detail.fields.email)).toEqual([
        'small@example.com',
      ]);
    });

    it('when some items are invalid, then 207 with each item’s result, and only the valid ones are published', async () => {
      const res = await post('/v1/ingest/leads/batch').send({
        leads: [
          lead,
          { ...lead, fields: { email: 'not-an-e-mail' } },
          { fields: { phone: '+4930987654' }, custom: { tier: 'silver' } },
          'not even an object',
        ],
      });
      expect(res.status).toBe(207);
      expect(res.body).toEqual({
        accepted: 2,
        rejected: 2,
        failed: 0,
        results: [
          { index: 0, status: 'accepted', leadId: expect.any(String) },
          {
            index: 1,
            status: 'rejected',
            errors: [{ field: 'body.leads.1.fields.email', message: 'must match format "email"' }],
          },
          { index: 2, status: 'accepted', leadId: expect.any(String) },
          {
            index: 3,
            status: 'rejected',
            errors: [{ field: 'body.leads.3', message: 'must be object' }],
          },
        ],
      });
      const events = await h.intakeEvents(2);
      expect(events.map((e) => e.detail.leadId).sort()).toEqual(
        [res.body.results[0].leadId, res.body.results[2].leadId].sort(),
      );
      expect(
        events.find((e) => e.detail.leadId === res.body.results[2].leadId)!.detail.fields,
      ).toEqual({
        phone: '+4930987654',
      });
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when every item is invalid, then 207 with every one rejected and nothing published', async () => {
      const res = await post('/v1/ingest/leads/batch').send({ leads: [{ fields: {} }] });
      expect(res.status).toBe(207);
      expect(res.body).toMatchObject({ accepted: 0, rejected: 1, failed: 0 });
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when any item carries a prototype-polluting key, then the whole batch is refused with 400 naming it', async () => {
      const res = await post('/v1/ingest/leads/batch')
        .set('Content-Type', 'application/json')
        .send(`{"leads":[${JSON.stringify(lead)},{"fields":{"email":"a@b.co"},"constructor":1}]}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'body.leads.1.constructor', message: 'is a forbidden key' },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when it has more than 100 leads, then 400 and nothing is published', async () => {
      const res = await post('/v1/ingest/leads/batch').send({ leads: Array(101).fill(lead) });
      // 101 leads of ~400 bytes: over 32 KiB, within the batch's 256 KiB.
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'body.leads', message: 'must NOT have more than 100 items' },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when 100 leads are sent, then all are accepted and published, micro-batched', async () => {
      const res = await post('/v1/ingest/leads/batch').send({
        leads: Array.from({ length: 100 }, (_, i) => ({
          fields: { email: `lead${i}@example.com` },
          custom: { tier: 'silver' },
        })),
      });
      expect(res.status).toBe(207);
      expect(res.body).toMatchObject({ accepted: 100, rejected: 0, failed: 0 });
      const events = await h.intakeEvents(100, 30_000);
      expect(new Set(events.map((e) => e.detail.fields.email)).size).toBe(100);
    });

    it('when retried with the same Idempotency-Key, then the same results and nothing published twice', async () => {
      const body = { leads: [lead, { ...lead, externalId: 'crm-4712' }] };
      const first = await post('/v1/ingest/leads/batch')
        .set('Idempotency-Key', 'batch-1')
        .send(body);
      const again = await post('/v1/ingest/leads/batch')
        .set('Idempotency-Key', 'batch-1')
        .send(body);
      expect(again.status).toBe(207);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await h.intakeEvents(2)).toHaveLength(2);
      expect(await h.drainIntake()).toEqual([]);
    });
  });
});
