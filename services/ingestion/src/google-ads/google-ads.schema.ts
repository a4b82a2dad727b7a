import { Type, type Static } from '@sinclair/typebox';
import { defineOperation, named, RateLimitHeaders } from '@leadflow/core';
import { FORM_KEY_PATTERN } from '../forms/published-forms';
import { ReplayedHeader } from '../pipeline/idempotency';
import { RATE_LIMITS_DESCRIPTION } from '../pipeline/rate-limits';
import { AcceptedLeadSchema, exampleAccepted } from '../pipeline/responses';

const Int64 = (description: string) =>
  Type.Optional(
    Type.String({
      pattern: '^-?[0-9]{1,20}$',
      description: `${description} An int64, sent as a JSON number; kept as its exact digits.`,
    }),
  );

/**
 * What a person typed, and the questions they answered, have no limits of their own here: the
 * 32 KiB body bounds them, and a value too long for the lead is kept cut, not refused.
 * A delivery refused for its values is refused again on every resend, and lost.
 */
export const GoogleAdsColumnSchema = Type.Object(
  {
    column_id: Type.Optional(
      Type.String({
        description: 'FULL_NAME, EMAIL, PHONE_NUMBER, … or the id of a custom question.',
      }),
    ),
    column_name: Type.Optional(Type.String()),
    string_value: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const GoogleAdsLeadSchema = named(
  'GoogleAdsLead',
  Type.Object(
    {
      lead_id: Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Google’s id of the lead: the idempotency key of the delivery.',
      }),
      google_key: Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The key configured with the webhook; must match the form’s key.',
      }),
      user_column_data: Type.Array(GoogleAdsColumnSchema),
      api_version: Type.Optional(Type.String({ maxLength: 20 })),
      form_id: Int64('Google’s form id.'),
      campaign_id: Int64('The campaign of the lead form.'),
      adgroup_id: Int64('The ad group that produced the lead.'),
      creative_id: Int64('The creative that produced the lead.'),
      asset_group_id: Int64('The asset group (Performance Max).'),
      gcl_id: Type.Optional(Type.String({ maxLength: 200, description: 'The click id.' })),
      is_test: Type.Optional(Type.Boolean({ description: 'A test lead sent from Google Ads.' })),
      lead_stage: Type.Optional(Type.String({ maxLength: 100 })),
      lead_submit_time: Type.Optional(Type.String({ maxLength: 40 })),
    },
    {
      // Google documents that receivers must ignore fields they do not know: it adds them.
      additionalProperties: true,
      description:
        'The Google Ads lead form webhook payload. Fields this API does not know are ignored, as Google asks.',
    },
  ),
);
export type GoogleAdsLead = Static<typeof GoogleAdsLeadSchema>;

export const exampleGoogleAdsLead = {
  lead_id: 'TeSter-123-ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-0123456789',
  user_column_data: [
    { column_name: 'Full Name', string_value: 'Jane Doe', column_id: 'FULL_NAME' },
    { column_name: 'User Email', string_value: 'jane@example.com', column_id: 'EMAIL' },
    { column_name: 'User Phone', string_value: '+4930123456', column_id: 'PHONE_NUMBER' },
    { column_name: 'Postal Code', string_value: '10115', column_id: 'POSTAL_CODE' },
  ],
  api_version: '1.0',
  form_id: '40000000000',
  campaign_id: '281489216452814',
  google_key: 'the-key-configured-in-google-ads',
  is_test: true,
  gcl_id: 'TeSter-123-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  adgroup_id: '20000000000',
  creative_id: '30000000000',
};

export const googleAdsWebhookOperation = defineOperation({
  method: 'post',
  path: '/v1/ingest/webhooks/google-ads/{formKey}',
  operationId: 'receiveGoogleAdsLead',
  summary: 'Receive a Google Ads lead form webhook',
  description: [
    'The webhook URL to configure in a Google Ads lead form, with the key set on the Leadflow form (`googleAdsKey`).',
    'The `google_key` is checked before anything else: 403 when it does not match or the form has none.',
    'Wrong keys count per client address and form (`INGEST_RATE_LIMIT_BAD_GOOGLE_KEYS`, 10 per minute by default): past that, every delivery from that address to that form answers 429 until the window ends, one with the right key too, so that a key cannot be guessed. Deliveries with the right key spend none of it, and the same wrong key sent again counts once.',
    'Only deliveries with the right key count against the form’s quota (`INGEST_RATE_LIMIT_PER_FORM`), so that nobody else can spend it; a delivery without a body answers 400 and counts nowhere.',
    RATE_LIMITS_DESCRIPTION,
    '',
    '**Mapping.** FULL_NAME (split into first and last name unless FIRST_NAME/LAST_NAME are sent), FIRST_NAME, LAST_NAME, EMAIL (or WORK_EMAIL), PHONE_NUMBER (or WORK_PHONE), COMPANY_NAME and JOB_TITLE fill the lead’s fields.',
    'A column whose id, lower-cased, is a custom field of the form (`POSTAL_CODE` → `postal_code`) fills that field when its value fits it.',
    'Every other column (POSTAL_CODE, CITY, COUNTRY, custom questions …), and a value the lead cannot hold — a phone number that cannot be read, an e-mail address the e-mail format refuses, a name over 100 characters, a value that does not fit its custom field — is kept in `context.adPlatform.extra` by column id, as Google sent it: no value of a column makes the delivery fail.',
    'A column without a `column_id` is keyed by its `column_name`, cut to its first 100 characters (else by `COLUMN_<position>`); of columns with the same key, the first is kept.',
    '`extra` holds up to 50 columns: when more are left over, the first 50 in the order of `user_column_data` are kept and the others dropped. A value kept there is cut to its first 2,000 characters.',
    'Columns have no limits of their own on their number or length, other than the 32 KiB of the body.',
    'Ids (`form_id`, `campaign_id`, `adgroup_id`, `creative_id`, `asset_group_id`) are int64 and are kept as exact strings. `is_test` marks a test lead.',
    '',
    '**Delivery.** Answers 200 once EventBridge accepted the lead, as Google expects; the same `lead_id` again to the same form answers the same 200 without publishing twice (Google’s test data, whose `lead_id` is fixed, is taken in once per form).',
    'When the lead cannot be handed over in time: 503 with `Retry-After`, so that Google retries.',
  ].join('\n'),
  tags: ['ingestion'],
  auth: { scheme: 'none' },
  params: Type.Object({
    formKey: Type.String({
      pattern: FORM_KEY_PATTERN,
      description: 'The public key of the published form the leads belong to.',
      examples: ['frm_7hQ2kP9xL4mN8rT1vW3yZ6bC'],
    }),
  }),
  body: GoogleAdsLeadSchema,
  bodyExample: exampleGoogleAdsLead,
  responses: {
    200: {
      description: 'Accepted (or accepted before, for the same lead_id).',
      schema: AcceptedLeadSchema,
      example: exampleAccepted,
      headers: { ...ReplayedHeader, ...RateLimitHeaders },
    },
  },
  errors: [403, 404, 409, 429, 503],
});

export const googleAdsOperations = [googleAdsWebhookOperation];
