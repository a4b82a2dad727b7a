import { Type, type Static } from '@sinclair/typebox';
import { named } from '@leadflow/core';
import { CUSTOM_FIELD_KEY, STANDARD_FIELDS } from './lead-fields';
import { LEAD_STATUS_PATTERN } from './events';

/**
 * Items of the tenants table that one service writes (tenant-config) and others read
 * (ingestion, leads, crm-sync). Their shapes and keys live here, once.
 */

export const FIELD_TYPES = [
  'text',
  'textarea',
  'email',
  'phone',
  'number',
  'select',
  'multiselect',
  'checkbox',
  'date',
  'url',
  'hidden',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const shortText = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });

export const CustomFieldDefinitionSchema = named(
  'CustomFieldDefinition',
  Type.Object(
    {
      key: Type.String({
        pattern: CUSTOM_FIELD_KEY,
        description:
          'Lower-case identifier; may not be a standard field, `constructor` or `prototype`, nor a key every form submission has (`utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`, `referrer`, `consent_…`).',
        examples: ['budget'],
      }),
      label: shortText(100),
      type: Type.Union(FIELD_TYPES.map((t) => Type.Literal(t))),
      required: Type.Boolean({ default: false }),
      options: Type.Optional(
        Type.Array(shortText(100), {
          minItems: 1,
          maxItems: 100,
          uniqueItems: true,
          description: 'Choices of select and multiselect fields.',
        }),
      ),
      min: Type.Optional(
        Type.Number({
          minimum: -Number.MAX_SAFE_INTEGER,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'Minimum value (number) or length (text), within ±(2^53 − 1).',
        }),
      ),
      max: Type.Optional(
        Type.Number({
          minimum: -Number.MAX_SAFE_INTEGER,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'Maximum value (number) or length (text), within ±(2^53 − 1).',
        }),
      ),
      pattern: Type.Optional(
        Type.String({
          maxLength: 200,
          description:
            'A regular expression text values must match somewhere (anchor it with ^ and $ to match the whole value), in the syntax both RE2 and JavaScript take: no look-arounds or back-references, and no quantified group that contains a quantifier. Others answer 400.',
        }),
      ),
      pii: Type.Boolean({
        default: false,
        description: 'Personal data: removed on GDPR erasure and redacted from logs.',
      }),
    },
    { additionalProperties: false },
  ),
);
export type CustomFieldDefinition = Static<typeof CustomFieldDefinitionSchema>;

export const DEFAULT_PIPELINE = ['new', 'contacted', 'qualified', 'converted', 'lost'];

export const PipelineSchema = named(
  'Pipeline',
  Type.Object(
    {
      statuses: Type.Array(Type.String({ pattern: LEAD_STATUS_PATTERN }), {
        minItems: 1,
        maxItems: 30,
        uniqueItems: true,
        description: 'Lead statuses in order; the first is given to new leads.',
      }),
    },
    { additionalProperties: false },
  ),
);

export const DedupeSchema = named(
  'DedupeSettings',
  Type.Object(
    {
      mode: Type.Union([Type.Literal('merge'), Type.Literal('keep-separate')], {
        description:
          'merge: a lead with a known e-mail becomes an activity on the existing lead; test leads are matched only with test leads, real ones only with real ones.',
      }),
      ignorePlusTag: Type.Boolean({
        description: 'Treat jane+promo@example.com as jane@example.com.',
      }),
    },
    { additionalProperties: false },
  ),
);

export const AssignmentSchema = named(
  'AssignmentRules',
  Type.Object(
    {
      mode: Type.Union([
        Type.Literal('none'),
        Type.Literal('form-owner'),
        Type.Literal('round-robin'),
      ]),
      formOwners: Type.Optional(
        Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 64 }), {
          description: 'form id → member id (form-owner mode).',
          maxProperties: 500,
          propertyNames: { maxLength: 40 },
        }),
      ),
      agents: Type.Optional(
        Type.Array(
          Type.Object(
            {
              memberId: Type.String({ maxLength: 64 }),
              weight: Type.Integer({ minimum: 1, maximum: 100 }),
            },
            { additionalProperties: false },
          ),
          {
            maxItems: 200,
            description: 'Members and weights (round-robin mode).',
          },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

export const HEX_COLOUR = '^#[0-9a-fA-F]{6}$';

export const BrandingSchema = named(
  'Branding',
  Type.Object(
    {
      primaryColor: Type.String({ pattern: HEX_COLOUR, examples: ['#1F6FEB'] }),
      accentColor: Type.String({ pattern: HEX_COLOUR, examples: ['#F78166'] }),
      font: Type.String({ minLength: 1, maxLength: 100, examples: ['Inter'] }),
      logoUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
    },
    { additionalProperties: false },
  ),
);
export type Branding = Static<typeof BrandingSchema>;

/** The TENANT item: settings every service may read. */
export interface TenantSettings {
  tenantId: string;
  name: string;
  slug: string;
  defaultCountry: string;
  timezone: string;
  branding: Branding;
  customFields: CustomFieldDefinition[];
  pipeline: Static<typeof PipelineSchema>;
  dedupe: Static<typeof DedupeSchema>;
  assignment: Static<typeof AssignmentSchema>;
  adminCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A new tenant's settings: its own name and place, and the defaults every tenant starts with. */
export function newTenantSettings(
  tenant: Pick<TenantSettings, 'tenantId' | 'name' | 'slug' | 'defaultCountry' | 'timezone'>,
  now = new Date().toISOString(),
): TenantSettings {
  return {
    ...tenant,
    branding: { primaryColor: '#1F6FEB', accentColor: '#F78166', font: 'Inter' },
    customFields: [],
    pipeline: { statuses: [...DEFAULT_PIPELINE] },
    dedupe: { mode: 'merge', ignorePlusTag: true },
    assignment: { mode: 'none' },
    adminCount: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** A form field as published: everything a page needs to render and a server to validate. */
export interface PublishedField {
  key: string;
  type: FieldType;
  label: string;
  placeholder?: string;
  required: boolean;
  options?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

export interface PublishedConsent {
  key: string;
  text: string;
  required: boolean;
}

/** The public config of a published form: in S3 (for the CDN) and served by tenant-config. */
export interface PublicFormConfig {
  formKey: string;
  formId: string;
  version: number;
  name: string;
  fields: PublishedField[];
  consents: PublishedConsent[];
  honeypotField?: string;
  success: { redirectUrl?: string; message?: string };
  theme: Branding;
  /** JSON Schema of a valid submission. */
  schema: Record<string, unknown>;
  publishedAt: string;
}

/** The lookup item from a public form key to everything ingestion needs. */
export interface PublishedFormItem {
  tenantId: string;
  formId: string;
  version: number;
  allowedOrigins: string[];
  defaultCountry: string;
  /** SHA-256 hex of the form's Google Ads webhook key, when it has one. */
  googleAdsKeyHash?: string;
  config: PublicFormConfig;
}

export const CRM_TYPES = ['hubspot', 'salesforce', 'pipedrive', 'webhook'] as const;
export type CrmType = (typeof CRM_TYPES)[number];

/** The CRM# item: a connection without its credentials, which live in Secrets Manager. */
export interface CrmConnectionItem {
  tenantId: string;
  connectionId: string;
  type: CrmType;
  name: string;
  enabled: boolean;
  baseUrl?: string;
  /** lead field (`email`, `custom.budget`) → CRM property. */
  fieldMapping: Record<string, string>;
  /** Secrets Manager secret name holding the credentials. */
  secretName: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const tenantKeys = {
  tenant: (tenantId: string) => ({ PK: `TENANT#${tenantId}`, SK: 'TENANT' }),
  form: (tenantId: string, formId: string) => ({ PK: `TENANT#${tenantId}`, SK: `FORM#${formId}` }),
  publishedForm: (formKey: string) => ({ PK: `FORMKEY#${formKey}`, SK: 'FORMKEY' }),
  apiKey: (tenantId: string, keyId: string) => ({
    PK: `TENANT#${tenantId}`,
    SK: `APIKEY#${keyId}`,
  }),
  crmConnection: (tenantId: string, connectionId: string) => ({
    PK: `TENANT#${tenantId}`,
    SK: `CRM#${connectionId}`,
  }),
  member: (tenantId: string, memberId: string) => ({
    PK: `TENANT#${tenantId}`,
    SK: `MEMBER#${memberId}`,
  }),
  slug: (slug: string) => ({ PK: `SLUG#${slug}`, SK: 'SLUG' }),
  partition: (tenantId: string) => `TENANT#${tenantId}`,
};

export const STANDARD_FIELD_KEYS: readonly string[] = STANDARD_FIELDS;
