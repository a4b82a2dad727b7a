import { Type, type Static } from '@sinclair/typebox';
import { ConsentRecordSchema, CustomValuesSchema, LeadFieldsSchema } from '@leadflow/contracts';
import { defineOperation, named, ULID_PATTERN, RateLimitHeaders } from '@leadflow/core';
import { IdempotencyKeyHeader, ReplayedHeader } from '../pipeline/idempotency';
import { RATE_LIMITS_DESCRIPTION } from '../pipeline/rate-limits';
import {
  ACCEPTED_LEAD_ID,
  acceptedHeaders,
  AcceptedLeadSchema,
  exampleAccepted,
} from '../pipeline/responses';

const text = (maxLength: number, description?: string) =>
  Type.Optional(Type.String({ maxLength, ...(description ? { description } : {}) }));

export const ApiLeadContextSchema = named(
  'ApiLeadContext',
  Type.Object(
    {
      utm: Type.Optional(
        Type.Object(
          {
            source: text(200),
            medium: text(200),
            campaign: text(200),
            term: text(200),
            content: text(200),
          },
          { additionalProperties: false },
        ),
      ),
      referrer: text(2048),
      pageUrl: text(2048, 'The page the person filled in.'),
      userAgent: text(512, 'The person’s browser, if the partner knows it.'),
      ip: text(64, 'The person’s address, if the partner knows it.'),
      consents: Type.Optional(
        Type.Array(ConsentRecordSchema, {
          maxItems: 20,
          description: 'Consents the person gave, each with the exact text and when.',
        }),
      ),
    },
    { additionalProperties: false, description: 'Where and how the partner captured the lead.' },
  ),
);

export const ApiLeadSchema = named(
  'ApiLead',
  Type.Object(
    {
      fields: LeadFieldsSchema,
      custom: Type.Optional(CustomValuesSchema),
      context: Type.Optional(ApiLeadContextSchema),
      formId: Type.Optional(
        Type.String({
          pattern: ULID_PATTERN,
          description:
            'A form of the tenant (draft or published) the lead is attributed to: the leads API files it under that form, and assignment rules by form apply. 400 when the tenant has no such form; one created a moment ago is found within 5 seconds.',
        }),
      ),
      externalId: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'The partner’s own id of the lead, carried along.',
        }),
      ),
      isTest: Type.Optional(
        Type.Boolean({
          description:
            'Marks a test lead; false when left out. A test lead is stored and synced to the CRMs like any other, flagged `isTest`; de-duplication by e-mail matches it only with other test leads, so it is never merged into a real lead, nor a real one into it.',
        }),
      ),
    },
    {
      additionalProperties: false,
      description: [
        'One lead from a partner system. `fields` needs an `email` or a `phone`; the e-mail must be a valid address as sent.',
        '`custom` must match the tenant’s custom fields: only defined keys, each of its type, required ones present.',
        'Strings are trimmed, the e-mail lower-cased and the phone turned into E.164 with the tenant’s default country.',
      ].join(' '),
    },
  ),
);
export type ApiLead = Static<typeof ApiLeadSchema>;

export const exampleApiLead: ApiLead = {
  fields: {
    email: 'jane.doe@example.com',
    firstName: 'Jane',
    lastName: 'Doe',
    phone: '+49 30 1234567',
    company: 'Example GmbH',
  },
  custom: { budget: 5000 },
  context: {
    utm: { source: 'partner', campaign: 'spring' },
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

export const ItemResultSchema = named(
  'IngestItemResult',
  Type.Object(
    {
      index: Type.Integer({ minimum: 0, description: 'The item’s position in `leads`.' }),
      status: Type.Union(
        [Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('failed')],
        {
          description:
            '`accepted`: EventBridge holds its lead.received event. `rejected`: the item is invalid (see `errors`); sending it again will not help. `failed` (only without an Idempotency-Key): valid, but not handed over in time; send it again later.',
        },
      ),
      leadId: Type.Optional(
        Type.String({
          pattern: ULID_PATTERN,
          description: `Of an accepted item. ${ACCEPTED_LEAD_ID}`,
        }),
      ),
      errors: Type.Optional(
        Type.Array(
          Type.Object(
            { field: Type.String(), message: Type.String() },
            { additionalProperties: false },
          ),
        ),
      ),
    },
    { additionalProperties: false },
  ),
);
export type ItemResult = Static<typeof ItemResultSchema>;

export const BatchResultSchema = named(
  'IngestBatchResult',
  Type.Object(
    {
      accepted: Type.Integer({ minimum: 0 }),
      rejected: Type.Integer({ minimum: 0 }),
      failed: Type.Integer({ minimum: 0 }),
      results: Type.Array(ItemResultSchema, { description: 'One per item, in order.' }),
    },
    { additionalProperties: false },
  ),
);
export type BatchResult = Static<typeof BatchResultSchema>;

export const MAX_BATCH = 100;

export const BatchBody = Type.Object(
  {
    leads: Type.Array(
      Type.Union([ApiLeadSchema, Type.Unknown()], {
        description:
          'Each item should be an ApiLead. An item that is not is answered `rejected` with its errors; the others go on.',
      }),
      { minItems: 1, maxItems: MAX_BATCH },
    ),
  },
  { additionalProperties: false },
);

const apiKeyDescription =
  'With a tenant API key (`X-Api-Key: lf_live_…`); the tenant comes from the key. A revoked key stops working within 30 seconds.';

export const ingestLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/ingest/leads',
  operationId: 'ingestLead',
  summary: 'Send one lead (server to server)',
  description: [
    apiKeyDescription,
    'Answers 202 only once EventBridge accepted the lead’s `lead.received` event; 503 with `Retry-After` when that did not happen within the request budget, and then nothing was recorded.',
    'Rate-limited per API key.',
    RATE_LIMITS_DESCRIPTION,
  ].join(' '),
  tags: ['ingestion'],
  auth: { scheme: 'apiKey' },
  body: ApiLeadSchema,
  bodyExample: exampleApiLead,
  requestHeaders: IdempotencyKeyHeader,
  responses: {
    202: {
      description: 'Accepted: EventBridge holds its lead.received event.',
      schema: AcceptedLeadSchema,
      example: exampleAccepted,
      headers: acceptedHeaders,
    },
  },
  errors: [409, 422, 429, 503],
});

export const ingestLeadBatchOperation = defineOperation({
  method: 'post',
  path: '/v1/ingest/leads/batch',
  operationId: 'ingestLeadBatch',
  summary: 'Send up to 100 leads (server to server)',
  description: [
    apiKeyDescription,
    'Each item is judged on its own and answered in `results` (207): invalid items are `rejected` and never published (except a key `__proto__`, `constructor` or `prototype` anywhere in the body, which refuses the whole batch with 400, as on every endpoint); valid items are `accepted` only once EventBridge accepted them, or `failed` when that did not happen in time (send those again, in a new request).',
    'When no valid item could be handed over at all the answer is 503 with `Retry-After`. With an Idempotency-Key it is 503 as soon as one valid item was not handed over, and there is no `failed`: an item that failed may have been handed over after all, so send the same request again with the same key; every lead keeps its lead id and is taken in once.',
    'A batch counts once against the API key’s rate limit, and may be up to 256 KiB (other ingestion bodies: 32 KiB). With an Idempotency-Key the whole answer is replayed.',
    RATE_LIMITS_DESCRIPTION,
  ].join(' '),
  tags: ['ingestion'],
  auth: { scheme: 'apiKey' },
  body: BatchBody,
  bodyExample: {
    leads: [
      exampleApiLead,
      { fields: { email: 'not-an-e-mail' } },
      { fields: { phone: '+4930987654', firstName: 'Max' } },
    ],
  },
  requestHeaders: IdempotencyKeyHeader,
  responses: {
    207: {
      description: 'Every item’s result.',
      schema: BatchResultSchema,
      example: {
        accepted: 2,
        rejected: 1,
        failed: 0,
        results: [
          { index: 0, status: 'accepted', leadId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9' },
          {
            index: 1,
            status: 'rejected',
            errors: [{ field: 'body.leads.1.fields.email', message: 'must match format "email"' }],
          },
          { index: 2, status: 'accepted', leadId: '01JDQ3V6Z8R6J5X1M8T0N4K2WA' },
        ],
      },
      headers: { ...ReplayedHeader, ...RateLimitHeaders },
    },
  },
  errors: [409, 422, 429, 503],
});

export const leadApiOperations = [ingestLeadOperation, ingestLeadBatchOperation];
