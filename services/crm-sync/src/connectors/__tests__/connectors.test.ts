import { createHmac } from 'node:crypto';
import type { SyncItem } from '../connector';
import type { CrmRequest } from '../crm-http';
import { changeOf, contextFor, crmAnswer, leadSnapshot, testConnection } from './fixtures';
import { hubspotConnector } from '../hubspot.connector';
import { formatExternalId, parseExternalId, pipedriveConnector } from '../pipedrive.connector';
import { salesforceConnector } from '../salesforce.connector';
import { signWebhook, webhookConnector } from '../webhook.connector';

/** A change creating lead n, with its e-mail when it has one. */
const item = (n: number, email: string | undefined): SyncItem =>
  changeOf(leadSnapshot(n, email ? { email, lastName: `L${n}` } : { lastName: `L${n}` }), {
    eventId: `EV${n}`,
  });

type Inputs = {
  inputs: Array<{ id: string; objectWriteTraceId: string; properties: Record<string, string> }>;
};

describe('HubSpot connector', () => {
  const hubspot = testConnection('hubspot', { email: 'email', lastName: 'lastname' });
  const ok = (request: CrmRequest) =>
    crmAnswer(200, {
      status: 'COMPLETE',
      results: (request.json as Inputs).inputs.map((input, i) => ({
        id: `${100 + i}`,
        properties: { email: input.id },
        objectWriteTraceId: input.objectWriteTraceId,
      })),
    });

  it('when two leads share an e-mail, then they go in separate calls (HubSpot refuses duplicate ids)', async () => {
    const context = contextFor(hubspot, ok);
    const results = await hubspotConnector.upsert(context, [
      item(1, 'a@x.com'),
      item(2, 'A@x.com'),
      item(3, 'b@x.com'),
    ]);
    expect(context.sent.map((r) => (r.json as Inputs).inputs.map((i) => i.id))).toEqual([
      ['a@x.com', 'b@x.com'],
      ['a@x.com'],
    ]);
    expect(results.map((r) => r.state)).toEqual(['synced', 'synced', 'synced']);
  });

  it('when HubSpot refuses a batch of many, then halving stays within its request budget', async () => {
    const context = contextFor(hubspot, () =>
      crmAnswer(400, { status: 'error', category: 'VALIDATION_ERROR' }),
    );
    const items = Array.from({ length: 100 }, (_, i) => item(i, `u${i}@x.com`));
    const results = await hubspotConnector.upsert(context, items);
    expect(context.sent.length).toBeLessThanOrEqual(16);
    // Records HubSpot refused alone are failed; the rest are tried again, never failed unseen.
    const failed = results.filter((r) => r.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length + results.filter((r) => r.state === 'retry').length).toBe(100);
    expect(context.sent.filter((r) => (r.json as Inputs).inputs.length === 1)).toHaveLength(
      failed.length,
    );
  });

  it('when a 207 names a record by its trace id, then that record alone fails', async () => {
    const context = contextFor(hubspot, (request) => {
      const [first, second] = (request.json as Inputs).inputs;
      return crmAnswer(207, {
        status: 'COMPLETE',
        results: [
          {
            id: '7',
            properties: { email: first!.id },
            objectWriteTraceId: first!.objectWriteTraceId,
          },
        ],
        errors: [
          {
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: 'bad',
            objectWriteTraceId: second!.objectWriteTraceId,
          },
        ],
      });
    });
    const results = await hubspotConnector.upsert(context, [
      item(1, 'a@x.com'),
      item(2, 'b@x.com'),
    ]);
    expect(results).toEqual([
      { state: 'synced', externalId: '7' },
      { state: 'failed', error: 'VALIDATION_ERROR: bad' },
    ]);
  });

  it('when HubSpot reports its limits, then they are read from X-HubSpot-RateLimit-*', () => {
    expect(
      hubspotConnector.observeLimits(
        crmAnswer(
          200,
          {},
          {
            'x-hubspot-ratelimit-max': '190',
            'x-hubspot-ratelimit-remaining': '17',
            'x-hubspot-ratelimit-interval-milliseconds': '10000',
          },
        ),
      ),
    ).toEqual({ max: 190, remaining: 17, intervalMs: 10_000 });
    expect(hubspotConnector.rateLimitedFor(crmAnswer(429, { policyName: 'DAILY' }))).toBe(3_600);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(429, {}, { 'retry-after': '7' }))).toBe(7);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(200, {}))).toBeUndefined();
  });

  it('when HubSpot answers 423 Locked or 477 Migration in Progress, then the lane waits and retries', () => {
    expect(hubspotConnector.rateLimitedFor(crmAnswer(423, {}))).toBe(2);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(423, {}, { 'retry-after': '1' }))).toBe(2);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(423, {}, { 'retry-after': '5' }))).toBe(5);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(477, {}, { 'retry-after': '90' }))).toBe(90);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(477, {}))).toBe(60);
    expect(hubspotConnector.rateLimitedFor(crmAnswer(400, {}))).toBeUndefined();
  });
});

describe('Salesforce connector', () => {
  it('when the records answer in order, then errors map to their own leads', async () => {
    const context = contextFor(
      testConnection('salesforce', { email: 'Email', lastName: 'LastName' }),
      () =>
        crmAnswer(200, [
          { id: '00Q1', success: true, errors: [], created: true },
          {
            id: null,
            success: false,
            errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }],
          },
          {
            id: null,
            success: false,
            errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'no' }],
          },
        ]),
    );
    const results = await salesforceConnector.upsert(context, [
      item(1, 'a@x.com'),
      item(2, 'b@x.com'),
      item(3, 'c@x.com'),
    ]);
    expect(results.map((r) => r.state)).toEqual(['synced', 'retry', 'failed']);
    const body = context.sent[0]!.json as {
      allOrNone: boolean;
      records: Array<Record<string, unknown>>;
    };
    expect(body.allOrNone).toBe(false);
    expect(body.records[0]).toMatchObject({
      attributes: { type: 'Lead' },
      Leadflow_Id__c: 'LEAD1',
      Company: '[not provided]',
    });
    expect(context.sent[0]!.url).toBe(
      'https://crm.example.com/services/data/v60.0/composite/sobjects/Lead/Leadflow_Id__c',
    );
  });

  it('when a mapping names a field the sync sets itself, then the lead keeps its own external id', async () => {
    const context = contextFor(
      testConnection('salesforce', { email: 'Email', lastName: 'Leadflow_Id__c' }),
      () => crmAnswer(200, [{ id: '00Q1', success: true, errors: [], created: true }]),
    );
    await salesforceConnector.upsert(context, [item(1, 'a@x.com')]);
    const body = context.sent[0]!.json as { records: Array<Record<string, unknown>> };
    expect(body.records[0]).toMatchObject({
      attributes: { type: 'Lead' },
      Leadflow_Id__c: 'LEAD1',
    });
  });

  it('when an old mapping names a reserved field in another case, then it is not sent at all', async () => {
    const context = contextFor(
      testConnection('salesforce', { email: 'Email', lastName: 'leadflow_id__C', company: 'ID' }),
      () => crmAnswer(200, [{ id: '00Q1', success: true, errors: [], created: true }]),
    );
    await salesforceConnector.upsert(context, [item(1, 'a@x.com')]);
    const body = context.sent[0]!.json as { records: Array<Record<string, unknown>> };
    expect(Object.keys(body.records[0]!).sort()).toEqual(
      ['Company', 'Email', 'LastName', 'Leadflow_Id__c', 'attributes'].sort(),
    );
  });

  it('when a Lead record exists already, then its required fields get no placeholders and are never emptied', async () => {
    const context = contextFor(
      testConnection('salesforce', { email: 'Email', lastName: 'LastName', company: 'Company' }),
      () => crmAnswer(200, [{ id: '00Q1', success: true, errors: [] }]),
    );
    const update: SyncItem = {
      ...item(1, 'a@x.com'),
      lead: { ...item(1, 'a@x.com').lead!, fields: { email: 'a@x.com' } },
      version: 2,
      detailType: 'lead.updated',
      changedFields: ['lastName'],
      previous: {
        connectionId: 'c1',
        crmType: 'salesforce',
        state: 'synced',
        leadVersion: 1,
        lastAttemptAt: '2026-01-01T00:00:00.000Z',
        externalId: '00Q1',
      },
    };
    expect(await salesforceConnector.upsert(context, [update])).toEqual([
      { state: 'synced', externalId: '00Q1' },
    ]);
    const [record] = (context.sent[0]!.json as { records: Array<Record<string, unknown>> }).records;
    expect(record).toEqual({
      attributes: { type: 'Lead' },
      Leadflow_Id__c: 'LEAD1',
      Email: 'a@x.com',
    });
  });

  it('when a Lead crm-sync created was deleted in Salesforce, then it is created again with placeholders; other records are not sent twice', async () => {
    const missing = {
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Company]',
      fields: ['Company'],
    };
    const context = contextFor(
      testConnection('salesforce', { email: 'Email', lastName: 'LastName', company: 'Company' }),
      (request) =>
        (request.json as { records: unknown[] }).records.length === 2
          ? crmAnswer(200, [
              { id: null, success: false, errors: [missing] },
              { id: '00Q2', success: true, errors: [], created: false },
            ])
          : crmAnswer(200, [{ id: '00Q3', success: true, errors: [], created: true }]),
    );
    const previous = {
      connectionId: 'c1',
      crmType: 'salesforce' as const,
      state: 'synced' as const,
      leadVersion: 1,
      lastAttemptAt: '2026-01-01T00:00:00.000Z',
    };
    const gone: SyncItem = { ...item(1, 'a@x.com'), previous: { ...previous, externalId: '00Q1' } };
    const kept: SyncItem = { ...item(2, 'b@x.com'), previous: { ...previous, externalId: '00Q2' } };

    expect(await salesforceConnector.upsert(context, [gone, kept])).toEqual([
      { state: 'synced', externalId: '00Q3' },
      { state: 'synced', externalId: '00Q2' },
    ]);
    const sent = context.sent.map(
      (request) => (request.json as { records: Array<Record<string, unknown>> }).records,
    );
    expect(sent[0]!.map((record) => record.Company)).toEqual([undefined, undefined]);
    expect(sent[1]).toEqual([
      {
        attributes: { type: 'Lead' },
        Leadflow_Id__c: 'LEAD1',
        Email: 'a@x.com',
        LastName: 'L1',
        Company: '[not provided]',
      },
    ]);
  });

  it('when Salesforce refuses a record for a required field without a placeholder, then it fails without a second call', async () => {
    const context = contextFor(testConnection('salesforce', { email: 'Email' }), () =>
      crmAnswer(200, [
        {
          id: null,
          success: false,
          errors: [
            {
              statusCode: 'REQUIRED_FIELD_MISSING',
              message: 'Required fields are missing: [Region__c]',
              fields: ['Region__c'],
            },
          ],
        },
      ]),
    );
    expect(await salesforceConnector.upsert(context, [item(1, 'a@x.com')])).toEqual([
      {
        state: 'failed',
        error: 'REQUIRED_FIELD_MISSING: Required fields are missing: [Region__c]',
      },
    ]);
    expect(context.sent).toHaveLength(1);
  });

  it('when Salesforce answers 403 REQUEST_LIMIT_EXCEEDED, then it is a rate limit; another 403 is not', () => {
    expect(
      salesforceConnector.rateLimitedFor(crmAnswer(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED' }])),
    ).toBe(300);
    expect(
      salesforceConnector.rateLimitedFor(crmAnswer(403, [{ errorCode: 'INSUFFICIENT_ACCESS' }])),
    ).toBeUndefined();
  });
});

describe('Pipedrive connector', () => {
  it('when ids are stored, then they round-trip through the external id', () => {
    const ids = { personId: 42, leadId: 'adf21080-0e10-11eb-879b-05d71fb426ec' };
    expect(parseExternalId(formatExternalId(ids))).toEqual(ids);
    expect(parseExternalId(formatExternalId({ personId: 42 }))).toEqual({ personId: 42 });
    expect(parseExternalId('garbage')).toEqual({});
    expect(parseExternalId(undefined)).toEqual({});
  });

  it('when Pipedrive reports limits, then x-ratelimit-* size a 2-second window', () => {
    expect(
      pipedriveConnector.observeLimits(
        crmAnswer(
          200,
          {},
          { 'x-ratelimit-limit': '80', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '1' },
        ),
      ),
    ).toEqual({ max: 80, remaining: 3, resetMs: 1_000, intervalMs: 2_000 });
  });

  it('when the token rides in the query, then it is sent as api_token', async () => {
    const context = contextFor(testConnection('pipedrive', { email: 'email' }), (request) =>
      request.url.includes('/persons/search')
        ? crmAnswer(200, { success: true, data: { items: [] } })
        : request.url.includes('/persons')
          ? crmAnswer(201, { success: true, data: { id: 5 } })
          : crmAnswer(201, { success: true, data: { id: 'adf21080-0e10-11eb-879b-05d71fb426ec' } }),
    );
    const [result] = await pipedriveConnector.upsert(context, [item(1, 'p@x.com')]);
    expect(result).toEqual({
      state: 'synced',
      externalId: 'person/5/lead/adf21080-0e10-11eb-879b-05d71fb426ec',
    });
    expect(
      context.sent.every(
        (r) => new URL(r.url).searchParams.get('api_token') === 'token-0123456789',
      ),
    ).toBe(true);
    expect(context.sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'GET /api/v1/persons/search',
      'POST /api/v1/persons',
      'POST /api/v1/leads',
    ]);
  });
});

describe('Refused credentials', () => {
  it.each([401, 403])(
    'when a CRM answers %i, then the credentials are rejected, not the record',
    async (status) => {
      const context = contextFor(testConnection('webhook', {}), () => crmAnswer(status, {}));
      context.credentials = { url: 'https://hooks.example.com/in', signingSecret: 'x' };
      const [result] = await webhookConnector.upsert(context, [item(1, 'w@x.com')]);
      expect(result).toMatchObject({
        state: 'rejected',
        error: expect.stringMatching(`${status}`),
      });
    },
  );
});

describe('Webhook signature', () => {
  it('when signed, then it is HMAC-SHA256 of "<event id>.<timestamp>.<body>" in hex', () => {
    const expected = createHmac('sha256', 'secret-0123456789')
      .update('EV1.1700000000.{"a":1}')
      .digest('hex');
    expect(signWebhook('secret-0123456789', 'EV1', 1_700_000_000, '{"a":1}')).toBe(
      `v1=${expected}`,
    );
  });
});
