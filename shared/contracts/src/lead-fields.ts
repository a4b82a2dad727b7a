import { Type, type Static } from '@sinclair/typebox';
import { named } from '@leadflow/core';

/** The fields every lead can have, whatever the tenant. */
export const STANDARD_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'phone',
  'company',
  'jobTitle',
  'message',
] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];

export const STANDARD_FIELD_TYPES: Record<StandardField, 'email' | 'text' | 'phone' | 'textarea'> =
  {
    email: 'email',
    firstName: 'text',
    lastName: 'text',
    phone: 'phone',
    company: 'text',
    jobTitle: 'text',
    message: 'textarea',
  };

export const STANDARD_FIELD_LABELS: Record<StandardField, string> = {
  email: 'E-mail',
  firstName: 'First name',
  lastName: 'Last name',
  phone: 'Phone',
  company: 'Company',
  jobTitle: 'Job title',
  message: 'Message',
};

export function isStandardField(key: string): key is StandardField {
  return (STANDARD_FIELDS as readonly string[]).includes(key);
}

export const LeadFieldsSchema = named(
  'LeadFields',
  Type.Object(
    {
      email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
      firstName: Type.Optional(Type.String({ maxLength: 100 })),
      lastName: Type.Optional(Type.String({ maxLength: 100 })),
      phone: Type.Optional(
        Type.String({ maxLength: 32, description: 'E.164 once normalised, e.g. +4930123456' }),
      ),
      company: Type.Optional(Type.String({ maxLength: 200 })),
      jobTitle: Type.Optional(Type.String({ maxLength: 200 })),
      message: Type.Optional(Type.String({ maxLength: 5000 })),
    },
    { additionalProperties: false, description: 'The standard fields of a lead.' },
  ),
);
export type LeadFields = Static<typeof LeadFieldsSchema>;

export const CUSTOM_FIELD_KEY = '^[a-z][a-z0-9_]{0,39}$';

export const CustomValueSchema = Type.Union([
  Type.String({ maxLength: 5000 }),
  // What DynamoDB's document client stores as a plain number: a larger one could never be saved.
  Type.Number({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
]);

export const CustomValuesSchema = named(
  'CustomValues',
  Type.Record(Type.String({ pattern: CUSTOM_FIELD_KEY }), CustomValueSchema, {
    description: 'Values of the tenant’s custom fields, by key.',
    maxProperties: 100,
    additionalProperties: false,
  }),
);
export type CustomValues = Static<typeof CustomValuesSchema>;

export const LEAD_SOURCES = ['form', 'api', 'google-ads', 'manual'] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];
export const LeadSourceSchema = Type.Union(LEAD_SOURCES.map((s) => Type.Literal(s)));

export const ConsentRecordSchema = named(
  'ConsentRecord',
  Type.Object(
    {
      key: Type.String({ pattern: CUSTOM_FIELD_KEY }),
      text: Type.String({ maxLength: 2000, description: 'The exact text the person agreed to.' }),
      given: Type.Boolean(),
      at: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type ConsentRecord = Static<typeof ConsentRecordSchema>;

const optionalString = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

export const LeadContextSchema = named(
  'LeadContext',
  Type.Object(
    {
      utm: Type.Optional(
        Type.Object(
          {
            source: optionalString(200),
            medium: optionalString(200),
            campaign: optionalString(200),
            term: optionalString(200),
            content: optionalString(200),
          },
          { additionalProperties: false },
        ),
      ),
      referrer: optionalString(2048),
      pageUrl: optionalString(2048),
      userAgent: optionalString(512),
      ip: optionalString(64),
      consents: Type.Array(ConsentRecordSchema, { maxItems: 20 }),
      adPlatform: Type.Optional(
        Type.Object(
          {
            name: Type.Literal('google-ads'),
            leadId: Type.String({ maxLength: 200 }),
            formId: optionalString(40),
            campaignId: optionalString(40),
            adGroupId: optionalString(40),
            creativeId: optionalString(40),
            assetGroupId: optionalString(40),
            gclid: optionalString(200),
            extra: Type.Optional(
              Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 2000 }), {
                maxProperties: 50,
                propertyNames: { maxLength: 100 },
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false, description: 'Where and how the lead was captured.' },
  ),
);
export type LeadContext = Static<typeof LeadContextSchema>;
