import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { BrandingSchema, CUSTOM_FIELD_KEY, FIELD_TYPES } from '@leadflow/contracts';
import {
  defineOperation,
  ETagHeader,
  IfMatchHeader,
  named,
  pageOf,
  PaginationQuery,
  ULID_PATTERN,
} from '@leadflow/core';

const FormFieldSchema = Type.Object(
  {
    key: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$',
      description: 'A standard field (email, firstName, …) or a custom field key of the tenant.',
    }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    placeholder: Type.Optional(Type.String({ maxLength: 200 })),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ConsentSchema = Type.Object(
  {
    key: Type.String({
      pattern: CUSTOM_FIELD_KEY,
      description: 'Submitted as `consent_<key>`: true.',
    }),
    text: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Shown beside the checkbox and stored with every lead that ticks it.',
    }),
    required: Type.Boolean(),
  },
  { additionalProperties: false },
);

const SuccessSchema = Type.Object(
  {
    redirectUrl: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        maxLength: 2048,
        description: 'Plain HTML forms are sent here (303) after a submission.',
      }),
    ),
    message: Type.Optional(
      Type.String({ maxLength: 500, description: 'Shown when there is no redirect.' }),
    ),
  },
  { additionalProperties: false },
);

const editable = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  fields: Type.Array(FormFieldSchema, {
    minItems: 1,
    maxItems: 50,
    description: 'Fields in display order.',
  }),
  consents: Type.Array(ConsentSchema, { maxItems: 10 }),
  allowedOrigins: Type.Array(Type.String({ maxLength: 255 }), {
    maxItems: 20,
    description: 'Origins (scheme://host[:port]) whose pages may submit this form from a browser.',
  }),
  honeypotField: Type.String({
    pattern: CUSTOM_FIELD_KEY,
    description: 'A hidden field bots fill and people do not.',
  }),
  success: SuccessSchema,
  googleAdsKey: Type.String({
    minLength: 8,
    maxLength: 200,
    description: 'The key configured in the Google Ads lead form webhook; write-only.',
  }),
};

export const CreateFormBody = Type.Object(
  {
    name: editable.name,
    fields: editable.fields,
    consents: Type.Optional(editable.consents),
    allowedOrigins: Type.Optional(editable.allowedOrigins),
    honeypotField: Type.Optional(editable.honeypotField),
    success: Type.Optional(editable.success),
    googleAdsKey: Type.Optional(editable.googleAdsKey),
  },
  { additionalProperties: false },
);
export type CreateForm = Static<typeof CreateFormBody>;

export const PatchFormBody = Type.Object(
  {
    name: Type.Optional(editable.name),
    fields: Type.Optional(editable.fields),
    consents: Type.Optional(editable.consents),
    allowedOrigins: Type.Optional(editable.allowedOrigins),
    honeypotField: Type.Optional(Type.Union([editable.honeypotField, Type.Null()])),
    success: Type.Optional(editable.success),
    googleAdsKey: Type.Optional(
      Type.Union([editable.googleAdsKey, Type.Null()], { description: 'null removes the key.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchForm = Static<typeof PatchFormBody>;

export const FormSchema = named(
  'Form',
  Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      fields: Type.Array(FormFieldSchema),
      consents: Type.Array(ConsentSchema),
      allowedOrigins: Type.Array(Type.String()),
      honeypotField: Type.Optional(Type.String()),
      success: SuccessSchema,
      hasGoogleAdsKey: Type.Boolean(),
      formKey: Type.String({
        description: 'The public key pages submit to: POST /v1/ingest/forms/{formKey}.',
      }),
      status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
      publishedVersion: Type.Optional(
        Type.Integer({ description: 'Increases with every publish.' }),
      ),
      publishedAt: Type.Optional(Type.String({ format: 'date-time' })),
      hasUnpublishedChanges: Type.Boolean({
        description:
          'A published form whose live version is behind what a publish would write now: the form was edited since, or the tenant’s branding or a custom field the form has changed. Publish again to bring the live form up to date.',
      }),
      publicConfigUrl: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
        description: 'The published config on the CDN; null while a draft.',
      }),
      version: Type.Integer({
        description: 'Changes with every edit, publish and unpublish; the ETag.',
      }),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type Form = Static<typeof FormSchema>;

const PublishedFieldSchema = Type.Object(
  {
    key: Type.String(),
    type: Type.Union(FIELD_TYPES.map((t) => Type.Literal(t))),
    label: Type.String(),
    placeholder: Type.Optional(Type.String()),
    required: Type.Boolean(),
    options: Type.Optional(Type.Array(Type.String())),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    pattern: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PublicFormConfigSchema = named(
  'PublicFormConfig',
  Type.Object(
    {
      formKey: Type.String(),
      formId: Type.String(),
      version: Type.Integer(),
      name: Type.String(),
      fields: Type.Array(PublishedFieldSchema),
      consents: Type.Array(ConsentSchema),
      honeypotField: Type.Optional(Type.String()),
      success: SuccessSchema,
      theme: BrandingSchema,
      schema: Type.Object(
        {},
        { additionalProperties: true, description: 'JSON Schema of a valid submission.' },
      ),
      publishedAt: Type.String({ format: 'date-time' }),
    },
    {
      additionalProperties: false,
      description: 'Everything a page needs to render the form and validate it before submitting.',
    },
  ),
);

const FormParams = Type.Object({
  formId: Type.String({ pattern: ULID_PATTERN, description: 'ULID' }),
});

const exampleForm: Form = {
  id: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
  name: 'Contact us',
  fields: [
    { key: 'email', required: true },
    { key: 'firstName' },
    { key: 'budget', label: 'Your budget' },
  ],
  consents: [{ key: 'privacy', text: 'I agree to the privacy policy.', required: true }],
  allowedOrigins: ['https://www.demo.test'],
  honeypotField: 'website',
  success: { redirectUrl: 'https://www.demo.test/thanks' },
  hasGoogleAdsKey: false,
  formKey: 'frm_7hQ2kP9xL4mN8rT1vW3yZ6bC',
  status: 'published',
  publishedVersion: 2,
  publishedAt: '2026-11-20T14:30:00.000Z',
  hasUnpublishedChanges: false,
  publicConfigUrl:
    'https://assets.leadflow.example/tenants/demo/forms/frm_7hQ2kP9xL4mN8rT1vW3yZ6bC.json',
  version: 4,
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-20T14:30:00.000Z',
};

const { publishedVersion: _version, publishedAt: _at, ...unpublished } = exampleForm;
const exampleDraft: Form = { ...unpublished, status: 'draft', publicConfigUrl: null, version: 1 };

const exampleConfig = {
  formKey: exampleForm.formKey,
  formId: exampleForm.id,
  version: 2,
  name: 'Contact us',
  fields: [
    { key: 'email', type: 'email', label: 'E-mail', required: true },
    { key: 'firstName', type: 'text', label: 'First name', required: false },
    { key: 'budget', type: 'number', label: 'Your budget', required: false, min: 0 },
  ],
  consents: [{ key: 'privacy', text: 'I agree to the privacy policy.', required: true }],
  honeypotField: 'website',
  success: { redirectUrl: 'https://www.demo.test/thanks' },
  theme: { primaryColor: '#1F6FEB', accentColor: '#F78166', font: 'Inter' },
  schema: {
    type: 'object',
    properties: { email: { type: 'string', format: 'email', maxLength: 254, minLength: 1 } },
    required: ['email'],
    additionalProperties: false,
  },
  publishedAt: '2026-11-20T14:30:00.000Z',
};

export const listFormsOperation = defineOperation({
  method: 'get',
  path: '/v1/forms',
  operationId: 'listForms',
  summary: 'List forms',
  tags: ['forms'],
  auth: requires('settings:read'),
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of forms.',
      schema: pageOf(FormSchema, 'A page of forms.'),
      example: { items: [exampleForm], nextCursor: null },
    },
  },
});

export const createFormOperation = defineOperation({
  method: 'post',
  path: '/v1/forms',
  operationId: 'createForm',
  summary: 'Create a form (as a draft)',
  description: `Every field must be a standard field or one of the tenant’s custom fields, once. Publish it to take submissions.`,
  tags: ['forms'],
  auth: requires('settings:write'),
  body: CreateFormBody,
  bodyExample: {
    name: 'Contact us',
    fields: [
      { key: 'email', required: true },
      { key: 'firstName' },
      { key: 'budget', label: 'Your budget' },
    ],
    consents: [{ key: 'privacy', text: 'I agree to the privacy policy.', required: true }],
    allowedOrigins: ['https://www.demo.test'],
    honeypotField: 'website',
    success: { redirectUrl: 'https://www.demo.test/thanks' },
  },
  responses: {
    201: {
      description: 'Created.',
      schema: FormSchema,
      example: exampleDraft,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const getFormOperation = defineOperation({
  method: 'get',
  path: '/v1/forms/{formId}',
  operationId: 'getForm',
  summary: 'A form',
  tags: ['forms'],
  auth: requires('settings:read'),
  params: FormParams,
  responses: {
    200: {
      description: 'The form.',
      schema: FormSchema,
      example: exampleForm,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const updateFormOperation = defineOperation({
  method: 'patch',
  path: '/v1/forms/{formId}',
  operationId: 'updateForm',
  summary: 'Change a form',
  description: `Changes the draft; a published form keeps serving its published version until it is published again. Needs If-Match.`,
  tags: ['forms'],
  auth: requires('settings:write'),
  params: FormParams,
  requestHeaders: IfMatchHeader,
  body: PatchFormBody,
  bodyExample: { allowedOrigins: ['https://www.demo.test', 'https://offers.demo.test'] },
  responses: {
    200: {
      description: 'The changed form.',
      schema: FormSchema,
      example: { ...exampleForm, hasUnpublishedChanges: true, version: 5 },
      headers: ETagHeader,
    },
  },
  errors: [404, 412, 428],
});

export const deleteFormOperation = defineOperation({
  method: 'delete',
  path: '/v1/forms/{formId}',
  operationId: 'deleteForm',
  summary: 'Delete a form',
  description: `Stops submissions at once and removes its published config. Leads captured with it stay.`,
  tags: ['forms'],
  auth: requires('settings:write'),
  params: FormParams,
  responses: { 204: { description: 'Deleted.' } },
  errors: [404, 409],
});

export const publishFormOperation = defineOperation({
  method: 'post',
  path: '/v1/forms/{formId}/publish',
  operationId: 'publishForm',
  summary: 'Publish a form',
  description: `Compiles the form into the JSON Schema of a valid submission, starts taking submissions with it and writes its public config to the CDN (tenants/<tenant>/forms/<formKey>.json). Ingestion picks up a new version within 30 seconds. Publishing unchanged content again keeps its publishedVersion and rewrites the config. The form itself gets a new version (ETag) with every publish, so a copy read before it is not taken as current. 409 when the form uses custom fields the tenant no longer has, or was changed or published by someone else meanwhile (publish again). 503 when the config could not be written to the CDN: the new version already takes submissions; publish again to write it. When the form is unpublished or deleted while it is being published, the publish removes the config it wrote; 503 if that removal fails (publish and unpublish the form to remove it).`,
  tags: ['forms'],
  auth: requires('settings:write'),
  params: FormParams,
  responses: {
    200: {
      description: 'The published form.',
      schema: FormSchema,
      example: exampleForm,
      headers: ETagHeader,
    },
  },
  errors: [404, 409, 503],
});

export const unpublishFormOperation = defineOperation({
  method: 'post',
  path: '/v1/forms/{formId}/unpublish',
  operationId: 'unpublishForm',
  summary: 'Stop taking submissions',
  description: `Turns the form back into a draft and removes its public config. A new version (ETag), as a publish is too. 409 when the form kept being changed by someone else meanwhile (unpublish again).`,
  tags: ['forms'],
  auth: requires('settings:write'),
  params: FormParams,
  responses: {
    200: {
      description: 'The form, a draft again.',
      schema: FormSchema,
      example: { ...exampleDraft, version: 5 },
      headers: ETagHeader,
    },
  },
  errors: [404, 409],
});

export const getPublicFormOperation = defineOperation({
  method: 'get',
  path: '/v1/public/forms/{formKey}',
  operationId: 'getPublicFormConfig',
  summary: 'The published config of a form (no authentication)',
  description:
    'For pages that cannot reach the CDN. Answers 304 to a matching If-None-Match. Browsers may read it from the form’s allowed origins (CORS).',
  tags: ['forms'],
  auth: { scheme: 'none' },
  params: Type.Object({ formKey: Type.String({ pattern: '^frm_[A-Za-z0-9]{24}$' }) }),
  requestHeaders: {
    'If-None-Match': {
      description: 'The ETag you have.',
      schema: Type.String({ maxLength: 64 }),
      example: '"2"',
    },
  },
  responses: {
    200: {
      description: 'The published config.',
      schema: PublicFormConfigSchema,
      example: exampleConfig,
      headers: {
        ...ETagHeader,
        'Cache-Control': { description: 'Cacheable for a minute.', schema: Type.String() },
      },
    },
    304: { description: 'Not modified.' },
  },
  errors: [404],
});

export const formOperations = [
  listFormsOperation,
  createFormOperation,
  getFormOperation,
  updateFormOperation,
  deleteFormOperation,
  publishFormOperation,
  unpublishFormOperation,
  getPublicFormOperation,
];
