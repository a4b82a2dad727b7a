import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import {
  AssignmentSchema,
  BrandingSchema,
  CustomFieldDefinitionSchema,
  DedupeSchema,
  PipelineSchema,
} from '@leadflow/contracts';
import { defineOperation, ETagHeader, IfMatchHeader, named } from '@leadflow/core';

export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$';

const Country = Type.String({
  pattern: '^[A-Z]{2}$',
  description:
    'ISO 3166-1 alpha-2; phone numbers without a country code are read as this country’s.',
  examples: ['DE'],
});
const Timezone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone',
  examples: ['Europe/Berlin'],
});

export const TenantSchema = named(
  'Tenant',
  Type.Object(
    {
      id: Type.String({ description: 'The tenant id; equal to its slug.' }),
      name: Type.String(),
      slug: Type.String(),
      defaultCountry: Type.String(),
      timezone: Type.String(),
      branding: BrandingSchema,
      customFields: Type.Array(CustomFieldDefinitionSchema, {
        description: 'The tenant’s lead schema beyond the standard fields.',
      }),
      pipeline: PipelineSchema,
      dedupe: DedupeSchema,
      assignment: AssignmentSchema,
      version: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type Tenant = Static<typeof TenantSchema>;

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    slug: Type.String({
      pattern: SLUG_PATTERN,
      description: 'Unique, permanent; becomes the tenant id.',
    }),
    defaultCountry: Country,
    timezone: Timezone,
    admin: Type.Optional(
      Type.Object(
        { email: Type.String({ format: 'email', maxLength: 254 }) },
        { additionalProperties: false, description: 'The first admin, invited at once.' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const PatchTenantBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    defaultCountry: Type.Optional(Country),
    timezone: Type.Optional(Timezone),
    branding: Type.Optional(
      Type.Object(
        {
          primaryColor: Type.Optional(BrandingSchema.properties.primaryColor),
          accentColor: Type.Optional(BrandingSchema.properties.accentColor),
          font: Type.Optional(BrandingSchema.properties.font),
          logoUrl: Type.Optional(
            Type.Union([Type.String({ format: 'uri', maxLength: 2048 }), Type.Null()], {
              description:
                'A logo uploaded through POST /v1/tenant/branding/logo (its answered logoUrl); null removes the logo.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Merged into the branding: only what is given changes.',
        },
      ),
    ),
    customFields: Type.Optional(
      Type.Array(CustomFieldDefinitionSchema, {
        maxItems: 100,
        description: 'Replaces the whole list.',
      }),
    ),
    pipeline: Type.Optional(PipelineSchema),
    dedupe: Type.Optional(DedupeSchema),
    assignment: Type.Optional(AssignmentSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchTenant = Static<typeof PatchTenantBody>;

export const LogoUploadBody = Type.Object(
  {
    contentType: Type.Union([
      Type.Literal('image/png'),
      Type.Literal('image/jpeg'),
      Type.Literal('image/svg+xml'),
    ]),
    contentLength: Type.Integer({
      minimum: 1,
      maximum: 512 * 1024,
      description: 'Bytes; at most 512 KiB. The upload must send exactly this Content-Length.',
    }),
  },
  { additionalProperties: false },
);

export const LogoUploadSchema = named(
  'LogoUpload',
  Type.Object(
    {
      uploadUrl: Type.String({
        format: 'uri',
        description:
          'PUT the file here within expiresIn seconds, with the headers given and the Content-Length asked for.',
      }),
      method: Type.Literal('PUT'),
      headers: Type.Record(Type.String(), Type.String(), {
        description: 'Send each of these with the PUT, as they are: they are signed.',
      }),
      logoUrl: Type.String({
        format: 'uri',
        description: 'Where the logo will be served; set it as branding.logoUrl after the upload.',
      }),
      expiresIn: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const exampleTenant: Tenant = {
  id: 'demo',
  name: 'Demo GmbH',
  slug: 'demo',
  defaultCountry: 'DE',
  timezone: 'Europe/Berlin',
  branding: { primaryColor: '#1F6FEB', accentColor: '#F78166', font: 'Inter' },
  customFields: [
    { key: 'budget', label: 'Budget (EUR)', type: 'number', required: false, min: 0, pii: false },
  ],
  pipeline: { statuses: ['new', 'contacted', 'qualified', 'converted', 'lost'] },
  dedupe: { mode: 'merge', ignorePlusTag: true },
  assignment: { mode: 'none' },
  version: 3,
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-20T14:30:00.000Z',
};

export const createTenantOperation = defineOperation({
  method: 'post',
  path: '/v1/tenants',
  operationId: 'createTenant',
  summary: 'Create a tenant',
  description:
    'Platform admins only. The slug is unique and becomes the tenant id (409 when taken). With `admin`, the first admin is invited at once; when that fails (409 when the e-mail already has an account), no tenant is created and the slug stays free.',
  tags: ['tenant'],
  auth: requires('tenants:create', { tenantRequired: false }),
  body: CreateTenantBody,
  bodyExample: {
    name: 'Demo GmbH',
    slug: 'demo',
    defaultCountry: 'DE',
    timezone: 'Europe/Berlin',
    admin: { email: 'admin@demo.test' },
  },
  responses: {
    201: {
      description: 'Created.',
      schema: TenantSchema,
      example: { ...exampleTenant, version: 1 },
      headers: ETagHeader,
    },
  },
  errors: [409],
});

export const getTenantOperation = defineOperation({
  method: 'get',
  path: '/v1/tenant',
  operationId: 'getTenant',
  summary: 'The caller’s tenant: settings, branding, lead schema, pipeline',
  tags: ['tenant'],
  auth: requires('settings:read'),
  responses: {
    200: {
      description: 'The tenant.',
      schema: TenantSchema,
      example: exampleTenant,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const patchTenantOperation = defineOperation({
  method: 'patch',
  path: '/v1/tenant',
  operationId: 'updateTenant',
  summary: 'Change settings, branding, custom fields, pipeline, de-duplication or assignment',
  description: `Only the given top-level properties change; \`branding\` is merged, \`customFields\` replaced. A custom field still used by a form (its draft or its published version) or by a CRM connection’s field mapping cannot be removed (409). Needs If-Match.`,
  tags: ['tenant'],
  auth: requires('settings:write'),
  requestHeaders: IfMatchHeader,
  body: PatchTenantBody,
  bodyExample: {
    branding: { primaryColor: '#0B7A75' },
    customFields: [
      { key: 'budget', label: 'Budget (EUR)', type: 'number', required: false, min: 0, pii: false },
    ],
  },
  responses: {
    200: {
      description: 'The changed tenant.',
      schema: TenantSchema,
      example: exampleTenant,
      headers: ETagHeader,
    },
  },
  errors: [404, 409, 412, 428],
});

export const logoUploadOperation = defineOperation({
  method: 'post',
  path: '/v1/tenant/branding/logo',
  operationId: 'createLogoUpload',
  summary: 'Get a presigned URL to upload the tenant logo',
  description: `PNG, JPEG or SVG, at most 512 KiB. Upload with PUT, then set \`branding.logoUrl\` to the answered \`logoUrl\`.`,
  tags: ['tenant'],
  auth: requires('settings:write'),
  body: LogoUploadBody,
  bodyExample: { contentType: 'image/png', contentLength: 20480 },
  responses: {
    201: {
      description: 'Upload within expiresIn seconds.',
      schema: LogoUploadSchema,
      example: {
        uploadUrl:
          'https://leadflow-prod-tenant-assets.s3.eu-west-1.amazonaws.com/tenants/demo/branding/logo-01JDQ3V6Z8.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123',
        method: 'PUT',
        headers: {
          'Content-Type': 'image/png',
          'Cache-Control': 'public, max-age=31536000, immutable',
        },
        logoUrl: 'https://assets.leadflow.example/tenants/demo/branding/logo-01JDQ3V6Z8.png',
        expiresIn: 300,
      },
    },
  },
  errors: [404],
});

export const tenantOperations = [
  createTenantOperation,
  getTenantOperation,
  patchTenantOperation,
  logoUploadOperation,
];
