import request from 'supertest';
import { LeadReceivedSchema } from '@leadflow/contracts';
import { assertValid, compileSchema } from '@leadflow/core';
import { startHarness, type Harness, type PublishedForm } from './harness';

const GOOGLE_KEY = 'g00gle-ads-key-of-gamma';
const validEvent = compileSchema(LeadReceivedSchema);

/** As Google sends it: the int64 ids as bare JSON numbers, some beyond 2^53. */
function webhookBody(leadId: string, options: { googleKey?: string; isTest?: boolean } = {}) {
  return `{
    "lead_id": "${leadId}",
    "user_column_data": [
      { "column_name": "Full Name", "string_value": "Maria de la Cruz", "column_id": "FULL_NAME" },
      { "column_name": "User Email", "string_value": " Maria@Example.com ", "column_id": "EMAIL" },
      { "column_name": "User Phone", "string_value": "+49 30 1234567", "column_id": "PHONE_NUMBER" },
      { "column_name": "Company Name", "string_value": "Cruz GmbH", "column_id": "COMPANY_NAME" },
      { "column_name": "Postal Code", "string_value": "10115", "column_id": "POSTAL_CODE" },
      { "column_name": "City", "string_value": "Berlin", "column_id": "CITY" },
      { "column_name": "Budget", "string_value": "2500", "column_id": "BUDGET" },
      { "column_name": "What is your timeline?", "string_value": "Q3", "column_id": "timeline_question" }
    ],
    "api_version": "1.0",
    "form_id": 40000000000000001,
    "campaign_id": 9007199254740993,
    "adgroup_id": 20000000000,
    "creative_id": 30000000000,
    "gcl_id": "Cj0KCQjwit_8BRCoARIsAIx3Rj7g",
    "google_key": "${options.googleKey ?? GOOGLE_KEY}",
    "is_test": ${options.isTest ?? false},
    "lead_stage": "NEW",
    "some_field_google_adds_later": { "nested": [1, 2.5] }
  }`;
}

describe('Google Ads lead form webhooks', () => {
  let h: Harness;
  let admin: string;
  let form: PublishedForm;
  let keyless: PublishedForm;

  const deliver = (formKey: string, body: string, contentType = 'application/json') =>
    request(h.ingestion.app)
      .post(`/v1/ingest/webhooks/google-ads/${formKey}`)
      .set('Content-Type', contentType)
      .send(body);

  beforeAll(async () => {
    h = await startHarness();
    admin = await h.createTenant('gamma', [
      { key: 'budget', label: 'Budget', type: 'number', min: 0, max: 1000 },
      { key: 'vat_id', label: 'VAT id', type: 'text' },
      { key: 'work_email', label: 'Work e-mail', type: 'text' },
    ]);
    form = await h.publishForm(admin, {
      fields: [{ key: 'email' }, { key: 'budget' }, { key: 'vat_id' }, { key: 'work_email' }],
      googleAdsKey: GOOGLE_KEY,
    });
    keyless = await h.publishForm(admin, { fields: [{ key: 'email' }] });
  });
  beforeEach(async () => {
    await h.drainIntake();
  });
  afterAll(() => h.close());

  it('when Google delivers a lead, then 200 and one lead.received with the mapped fields, exact ids and the rest kept', async () => {
    const res = await deliver(form.formKey, webhookBody('lead-1'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ leadId: expect.any(String), status: 'accepted' });
    const [delivered, ...more] = await h.intakeEvents(1);
    expect(more).toEqual([]);
    expect(validEvent(delivered!.detail)).toBe(true);
    expect(delivered!.detail).toEqual({
      eventId: expect.any(String),
      tenantId: 'gamma',
      occurredAt: expect.any(String),
      schemaVersion: 1,
      leadId: res.body.leadId,
      source: 'google-ads',
      formId: form.id,
      fields: {
        firstName: 'Maria',
        lastName: 'de la Cruz',
        email: 'maria@example.com',
        phone: '+49301234567',
        company: 'Cruz GmbH',
      },
      // 2500 is above the form's maximum of 1000: kept under extra rather than lost.
      custom: {},
      context: {
        consents: [],
        adPlatform: {
          name: 'google-ads',
          leadId: 'lead-1',
          formId: '40000000000000001',
          campaignId: '9007199254740993',
          adGroupId: '20000000000',
          creativeId: '30000000000',
          gclid: 'Cj0KCQjwit_8BRCoARIsAIx3Rj7g',
          extra: { POSTAL_CODE: '10115', CITY: 'Berlin', BUDGET: '2500', timeline_question: 'Q3' },
        },
      },
      isTest: false,
      externalId: 'lead-1',
    });
  });

  it('when a column matches a custom field of the form and fits it, then it fills that field', async () => {
    const body = webhookBody('lead-2').replace('"string_value": "2500"', '"string_value": "750"');
    expect((await deliver(form.formKey, body)).status).toBe(200);
    const [delivered] = await h.intakeEvents(1);
    expect(delivered!.detail.custom).toEqual({ budget: 750 });
    expect(delivered!.detail.context.adPlatform!.extra).not.toHaveProperty('BUDGET');
  });

  it('when columns are keyed like prototype properties, then they are kept under names of their own, in an event the leads service takes in', async () => {
    const body = JSON.stringify({
      lead_id: 'lead-proto',
      google_key: GOOGLE_KEY,
      user_column_data: [
        { column_id: 'EMAIL', string_value: 'proto@example.com' },
        { column_name: 'constructor', string_value: 'built' },
        { column_id: '__proto__', string_value: 'kept' },
      ],
    });
    expect((await deliver(form.formKey, body)).status).toBe(200);
    const [delivered] = await h.intakeEvents(1);
    // What the leads intake worker does with every event it receives.
    expect(() => assertValid(LeadReceivedSchema, delivered!.detail)).not.toThrow();
    expect(delivered!.detail.context.adPlatform!.extra).toEqual({
      'constructor (column 1)': 'built',
      '__proto__ (column 2)': 'kept',
    });
  });

  it('when Google sends a test lead, then it is flagged as one', async () => {
    expect((await deliver(form.formKey, webhookBody('lead-test', { isTest: true }))).status).toBe(
      200,
    );
    const [delivered] = await h.intakeEvents(1);
    expect(delivered!.detail.isTest).toBe(true);
  });

  it('when Google delivers the same lead_id again, then the same 200 and nothing published twice', async () => {
    const first = await deliver(form.formKey, webhookBody('lead-3'));
    const again = await deliver(form.formKey, webhookBody('lead-3'));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await h.intakeEvents(1)).map((e) => e.detail.leadId)).toEqual([first.body.leadId]);
    expect(await h.drainIntake()).toEqual([]);
  });

  describe('refused, and nothing published', () => {
    const cases: Array<[string, number, () => request.Test]> = [
      [
        'the google_key is wrong',
        403,
        () => deliver(form.formKey, webhookBody('x1', { googleKey: 'guess' })),
      ],
      [
        'the google_key is missing',
        403,
        () => deliver(form.formKey, webhookBody('x2').replace(/"google_key": "[^"]*",/, '')),
      ],
      ['the form has no Google Ads key', 403, () => deliver(keyless.formKey, webhookBody('x3'))],
      [
        'the form is unknown',
        404,
        () => deliver('frm_000000000000000000000000', webhookBody('x4')),
      ],
      ['the body is not JSON', 400, () => deliver(form.formKey, '{"lead_id": "x5",')],
      ['the body is not JSON at all', 415, () => deliver(form.formKey, 'lead_id=x6', 'text/plain')],
      [
        'the body is over 32 KiB',
        413,
        () =>
          deliver(form.formKey, webhookBody('x7').replace('"NEW"', `"${'x'.repeat(33 * 1024)}"`)),
      ],
      [
        'a __proto__ key comes with the right key',
        400,
        () =>
          deliver(
            form.formKey,
            webhookBody('x8').replace('"lead_stage"', '"__proto__": {"a": 1}, "lead_stage"'),
          ),
      ],
      [
        'a value of 10 KB of nested arrays comes with the right key',
        400,
        () =>
          deliver(
            form.formKey,
            webhookBody('x10').replace(
              '"lead_stage"',
              `"nested": ${'['.repeat(5_000)}${']'.repeat(5_000)}, "lead_stage"`,
            ),
          ),
      ],
      ['the body is JSON null', 400, () => deliver(form.formKey, 'null')],
      ['the body is a JSON list', 400, () => deliver(form.formKey, '[]')],
      [
        'the body is JSON in a charset JSON does not come in',
        415,
        () => deliver(form.formKey, webhookBody('x11'), 'application/json; charset=latin1'),
      ],
      [
        'the lead_id is missing',
        400,
        () => deliver(form.formKey, webhookBody('x9').replace('"lead_id": "x9",', '')),
      ],
    ];

    it.each(cases)('when %s, then %i problem+json', async (_what, status, send) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await h.drainIntake()).toEqual([]);
    });

    it('when the key is wrong, then the body is not judged: a wrong key with a broken payload is still 403', async () => {
      const res = await deliver(
        form.formKey,
        JSON.stringify({ google_key: 'guess', user_column_data: 'not a list' }),
      );
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('The google_key does not match the key of this form');
    });
  });

  it('when Google sends its test data to two forms (one fixed lead_id), then each form takes it in', async () => {
    const second = await h.publishForm(admin, {
      fields: [{ key: 'email' }],
      googleAdsKey: GOOGLE_KEY,
    });
    const testData = webhookBody('TeSter-123-fixed-test-lead-id', { isTest: true });
    const first = await deliver(form.formKey, testData);
    const other = await deliver(second.formKey, testData);
    expect([first.status, other.status]).toEqual([200, 200]);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const delivered = await h.intakeEvents(2);
    expect(delivered.map((e) => e.detail.formId).sort()).toEqual([form.id, second.id].sort());
  });

  describe('a delivery without a body', () => {
    it('when deliveries without a body come, then 400 naming the body, and they spend none of the form’s quota', async () => {
      const limited = h.anotherIngestion({ INGEST_RATE_LIMIT_PER_FORM: '3' });
      const fresh = await h.publishForm(admin, {
        fields: [{ key: 'email' }],
        googleAdsKey: GOOGLE_KEY,
      });
      const post = () =>
        request(limited.app)
          .post(`/v1/ingest/webhooks/google-ads/${fresh.formKey}`)
          .set('Content-Type', 'application/json');
      for (let i = 0; i < 4; i++) {
        const res = await post();
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'body', message: 'is required' }]);
      }
      expect((await post().send(webhookBody('after-empty-posts'))).status).toBe(200);
      await h.intakeEvents(1);
    });
  });

  describe('values the lead contract refuses', () => {
    /** The body of a delivery with these columns, the right key and nothing else. */
    const withColumns = (leadId: string, columns: object[]) =>
      JSON.stringify({ lead_id: leadId, google_key: GOOGLE_KEY, user_column_data: columns });

    it('when a mapped value breaks the lead contract, then 200, and the value is kept in extra as sent', async () => {
      const longName = 'N'.repeat(101);
      const longCompany = 'C'.repeat(201);
      const res = await deliver(
        form.formKey,
        withColumns('contract-1', [
          { column_id: 'FULL_NAME', string_value: `${longName} Cruz` },
          { column_id: 'EMAIL', string_value: 'jörg@müller.de' },
          { column_id: 'COMPANY_NAME', string_value: longCompany },
          { column_id: 'JOB_TITLE', string_value: ' CTO ' },
        ]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(validEvent(delivered!.detail)).toBe(true);
      expect(delivered!.detail.fields).toEqual({ lastName: 'Cruz', jobTitle: 'CTO' });
      expect(delivered!.detail.context.adPlatform!.extra).toEqual({
        FULL_NAME: `${longName} Cruz`,
        EMAIL: 'jörg@müller.de',
        COMPANY_NAME: longCompany,
      });
    });

    it('when EMAIL is no address but WORK_EMAIL is, then WORK_EMAIL fills the e-mail, and a FULL_NAME the last name FIRST_NAME left open, values trimmed', async () => {
      const res = await deliver(
        form.formKey,
        withColumns('fallback-1', [
          { column_id: 'EMAIL', string_value: 'not-an-email' },
          { column_id: 'WORK_EMAIL', string_value: ' Work@Corp.de ' },
          { column_id: 'FULL_NAME', string_value: 'Ann Lee' },
          { column_id: 'FIRST_NAME', string_value: 'Ann' },
          { column_id: 'VAT_ID', string_value: '  DE123  ' },
        ]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toEqual({
        email: 'work@corp.de',
        firstName: 'Ann',
        lastName: 'Lee',
      });
      expect(delivered!.detail.custom).toEqual({ vat_id: 'DE123' });
      expect(delivered!.detail.context.adPlatform!.extra).toEqual({ EMAIL: 'not-an-email' });
    });

    it('when EMAIL fills the e-mail, then WORK_EMAIL fills the form’s work_email; a FULL_NAME only half taken is kept whole', async () => {
      const res = await deliver(
        form.formKey,
        withColumns('fallback-2', [
          { column_id: 'EMAIL', string_value: 'me@example.com' },
          { column_id: 'WORK_EMAIL', string_value: 'work@corp.de' },
          { column_id: 'FULL_NAME', string_value: 'Anna Maria Schmidt' },
          { column_id: 'LAST_NAME', string_value: 'Schmidt' },
        ]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toEqual({
        email: 'me@example.com',
        firstName: 'Anna',
        lastName: 'Schmidt',
      });
      expect(delivered!.detail.custom).toEqual({ work_email: 'work@corp.de' });
      expect(delivered!.detail.context.adPlatform!.extra).toEqual({
        FULL_NAME: 'Anna Maria Schmidt',
      });
    });

    it('when a first name is over 100 characters, then 200, and it is kept in extra', async () => {
      const longName = 'M'.repeat(101);
      const res = await deliver(
        form.formKey,
        withColumns('contract-2', [
          { column_id: 'FIRST_NAME', string_value: longName },
          { column_id: 'LAST_NAME', string_value: 'Cruz' },
        ]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.fields).toEqual({ lastName: 'Cruz' });
      expect(delivered!.detail.context.adPlatform!.extra).toEqual({ FIRST_NAME: longName });
    });

    it('when more than 50 columns are left over, then 200, and the first 50 in Google’s order are kept', async () => {
      const columns = Array.from({ length: 60 }, (_, i) => ({
        column_id: `QUESTION_${i}`,
        string_value: `answer ${i}`,
      }));
      const res = await deliver(
        form.formKey,
        withColumns('contract-3', [
          { column_id: 'EMAIL', string_value: 'a@example.com' },
          ...columns,
        ]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(validEvent(delivered!.detail)).toBe(true);
      expect(delivered!.detail.fields).toEqual({ email: 'a@example.com' });
      expect(delivered!.detail.context.adPlatform!.extra).toEqual(
        Object.fromEntries(columns.slice(0, 50).map((c) => [c.column_id, c.string_value])),
      );
    });

    it('when a delivery has more than 100 columns and an answer over 2,000 characters, then 200, and the answer is kept cut to 2,000', async () => {
      const essay = `${'é'.repeat(1999)}ü and more`;
      const columns = Array.from({ length: 120 }, (_, i) => ({
        column_id: `QUESTION_${i}`,
        ...(i === 0 ? { column_name: 'Q'.repeat(600) } : {}),
        string_value: i === 0 ? essay : `answer ${i}`,
      }));
      const res = await deliver(form.formKey, withColumns('contract-5', columns));
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(validEvent(delivered!.detail)).toBe(true);
      const extra = delivered!.detail.context.adPlatform!.extra!;
      expect(Object.keys(extra)).toHaveLength(50);
      expect(extra.QUESTION_0).toBe(`${'é'.repeat(1999)}ü`);
      expect(extra.QUESTION_49).toBe('answer 49');
    });

    it('when a column without an id has a name over 100 characters, then 200, and it is keyed by the first 100', async () => {
      const question = `${'Q'.repeat(99)}ü and more`;
      const res = await deliver(
        form.formKey,
        withColumns('contract-4', [{ column_name: question, string_value: 'yes' }]),
      );
      expect(res.status).toBe(200);
      const [delivered] = await h.intakeEvents(1);
      expect(delivered!.detail.context.adPlatform!.extra).toEqual({
        [`${'Q'.repeat(99)}ü`]: 'yes',
      });
    });
  });

  it('when the lead comes from an asset group, then its id is kept as its exact digits', async () => {
    const body = webhookBody('asset-group').replace(
      '"creative_id": 30000000000,',
      '"creative_id": 30000000000, "asset_group_id": 9007199254740995,',
    );
    expect((await deliver(form.formKey, body)).status).toBe(200);
    const [delivered] = await h.intakeEvents(1);
    expect(validEvent(delivered!.detail)).toBe(true);
    expect(delivered!.detail.context.adPlatform!.assetGroupId).toBe('9007199254740995');
  });
});
