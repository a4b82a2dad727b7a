import { Type } from '@sinclair/typebox';
import { isStandardField, STANDARD_FIELD_LABELS } from '@leadflow/contracts';
import { defineOperation, named, RateLimitHeaders, type Problem } from '@leadflow/core';
import { IdempotencyKeyHeader, ReplayedHeader } from '../pipeline/idempotency';
import { RATE_LIMITS_DESCRIPTION } from '../pipeline/rate-limits';
import { acceptedHeaders, AcceptedLeadSchema, exampleAccepted } from '../pipeline/responses';
import { formErrorPage, thankYouPage } from './form-pages';
import { FORM_KEY_PATTERN } from './published-forms';

/**
 * The envelope every submission must fit before the form's own schema judges it: a flat
 * object of field keys and simple values. Cheap to check, so garbage costs little; the
 * published form's schema (required fields, types, lengths, options) is the real judge.
 */
export const FormSubmissionSchema = named(
  'FormSubmission',
  Type.Record(
    Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
    Type.Union([
      Type.String({ maxLength: 5000 }),
      Type.Number(),
      Type.Boolean(),
      Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
    ]),
    {
      additionalProperties: false,
      maxProperties: 100,
      description: [
        'The values of one submission, keyed as the published form says (its `schema`, served by `GET /v1/public/forms/{formKey}`):',
        'its fields (`email`, `firstName`, custom keys), `consent_<key>` booleans, the context keys',
        '`utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`, `pageUrl`, `referrer`, and the honeypot field.',
        'Anything else, a missing required field or a wrong type answers 400 naming the field.',
        'Strings are trimmed, the e-mail lower-cased and the phone turned into E.164 with the tenant’s default country.',
        'As `application/x-www-form-urlencoded` every value is text: numbers are read as numbers, a checked box (`on`, `true`, `1`, `yes`) as true, repeated keys as a list.',
        'Its bytes are read as UTF-8, or as windows-1252 when they are not UTF-8 and the request names no charset (browsers post in the page’s charset without naming it).',
        'A `charset` parameter of the `Content-Type`, or else the HTML `_charset_` field (which is no value of the form), may name `utf-8` or `windows-1252` (`iso-8859-1`, `latin1`); another charset answers 415.',
      ].join(' '),
    },
  ),
);

const exampleSubmission = {
  email: 'Jane.Doe@Example.com ',
  firstName: 'Jane',
  lastName: 'Doe',
  phone: '030 1234567',
  company: 'Example GmbH',
  budget: 5000,
  consent_privacy: true,
  utm_source: 'newsletter',
  utm_campaign: 'spring',
  pageUrl: 'https://www.demo.test/contact',
};

/** The page of the document's examples: standard fields by their labels, a retry after 30 s. */
const exampleErrorPage = (problem: Problem) =>
  formErrorPage(
    problem,
    problem.status === 429 || problem.status === 503 ? '30' : undefined,
    (key) => (isStandardField(key) ? STANDARD_FIELD_LABELS[key] : undefined),
  );

export const submitFormOperation = defineOperation({
  method: 'post',
  path: '/v1/ingest/forms/{formKey}',
  operationId: 'submitForm',
  summary: 'Submit a published form (public)',
  description: [
    'The endpoint landing pages post to: from a script as JSON, or from a plain HTML `<form method="post">` as `application/x-www-form-urlencoded`.',
    'No credentials: the form key names the tenant and the form.',
    '',
    '**Answers.** JSON: `202 {"leadId", "status": "accepted"}`, sent only once EventBridge accepted the `lead.received` event.',
    'URL-encoded: `303` to the form’s success URL, or `200` with a small thank-you page (the form’s message) when it has none.',
    'Errors are `application/problem+json`, except for a URL-encoded post whose `Accept` prefers `text/html` to JSON (a browser sending a plain HTML form, which shows the answer to the visitor): that gets the same status and headers with a small HTML page saying in plain words what went wrong and what to do, listing the fields to correct by their labels, with the request id for support. When the lead cannot be handed over within the request budget: `503` with `Retry-After`, and nothing was recorded.',
    '',
    '**Browsers (CORS).** A request with an `Origin` header must come from one of the form’s allowed origins, or it answers 403; allowed origins get `Access-Control-Allow-Origin`. `OPTIONS` (preflight) answers 204 with the allowed method (`POST`) and headers (`Content-Type`, `Idempotency-Key`) for an allowed origin, 403 for another, 404 for an unknown form. `*` is never answered. Requests without `Origin` (servers, curl) are not subject to CORS.',
    '`Origin: null` (the opaque origin a plain HTML form posts with from a page whose referrer policy is `no-referrer` or `same-origin`, or from a sandboxed page) is treated like no `Origin`: the submission is accepted, without CORS headers (`Access-Control-Allow-Origin: null` is never answered). A preflight with `Origin: null` answers 403.',
    '',
    '**Bots.** A filled honeypot field answers exactly like an accepted lead, but nothing is recorded.',
    '',
    `**Limits.** 32 KiB per body; per client IP and per form per minute. ${RATE_LIMITS_DESCRIPTION}`,
  ].join('\n'),
  tags: ['ingestion'],
  auth: { scheme: 'none' },
  params: Type.Object({
    formKey: Type.String({
      pattern: FORM_KEY_PATTERN,
      description: 'The public key of a published form; an unknown or unpublished key answers 404.',
      examples: ['frm_7hQ2kP9xL4mN8rT1vW3yZ6bC'],
    }),
  }),
  body: FormSubmissionSchema,
  bodyContentTypes: ['application/json', 'application/x-www-form-urlencoded'],
  bodyExample: exampleSubmission,
  requestHeaders: {
    ...IdempotencyKeyHeader,
    Origin: {
      description:
        'Set by browsers. When present it must be one of the form’s allowed origins (403 otherwise); `null` is treated as no `Origin`.',
      schema: Type.String({ maxLength: 255 }),
      example: 'https://www.demo.test',
    },
  },
  errorPages: {
    description:
      'As `text/html` for a URL-encoded post whose `Accept` prefers it (a plain HTML form in a browser): a page for the visitor, same status and headers.',
    example: exampleErrorPage,
  },
  responses: {
    202: {
      description:
        'JSON submission accepted: EventBridge holds its `lead.received` event. (Also the answer to a filled honeypot, which records nothing.)',
      schema: AcceptedLeadSchema,
      example: exampleAccepted,
      headers: acceptedHeaders,
    },
    303: {
      description:
        'URL-encoded submission accepted; the browser is sent to the form’s success URL.',
      headers: {
        Location: { description: 'The form’s success URL.', schema: Type.String() },
        ...ReplayedHeader,
        ...RateLimitHeaders,
      },
    },
    200: {
      description:
        'URL-encoded submission accepted and the form has no success URL: a small thank-you page with the form’s message.',
      contentType: 'text/html',
      schema: Type.String(),
      example: thankYouPage('Thank you, we will be in touch.'),
      headers: { ...ReplayedHeader, ...RateLimitHeaders },
    },
  },
  errors: [403, 404, 409, 422, 429, 503],
});

export const formSubmissionOperations = [submitFormOperation];
