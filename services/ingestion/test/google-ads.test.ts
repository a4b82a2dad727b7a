import request from 'supertest';
import { LeadReceivedSchema } from '@leadflow/contracts';
import { compileSchema } from '@leadflow/core';
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
  let form: PublishedForm;
  let keyless: PublishedForm;

  const deliver = (formKey: string, body: string, contentType = 'application/json') =>
    request(h.ingestion.app)
      .post(`/v1/ingest/webhooks/google-ads/${formKey}`)
      .set('Content-Type', contentType)
      .send(body);

  beforeAll(async () => {
    h = await startHarness();
    const admin = await h.createTenant('gamma', [
      { key: 'budget', label: 'Budget', type: 'number', min: 0, max: 1000 },
    ]);
    form = await h.publishForm(admin, {
      fields: [{ key: 'email' }, { key: 'budget' }],
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

    it('when a mapped value breaks the lead contract, then 400 naming the column', async () => {
      const body = webhookBody('x10').replace('"Cruz GmbH"', `"${'C'.repeat(201)}"`);
      const res = await deliver(form.formKey, body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          field: 'body.user_column_data.3.string_value',
          message: 'must NOT have more than 200 characters',
        },
      ]);
      expect(await h.drainIntake()).toEqual([]);
    });
  });
});
