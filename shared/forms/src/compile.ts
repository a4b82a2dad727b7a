import {
  isStandardField,
  STANDARD_FIELD_LABELS,
  STANDARD_FIELD_TYPES,
  type CustomFieldDefinition,
  type FieldType,
  type PublishedConsent,
  type PublishedField,
} from '@leadflow/contracts';

/** A field as a form lists it: a standard or custom field, with the form's own overrides. */
export interface FormField {
  key: string;
  label?: string;
  placeholder?: string;
  required?: boolean;
}

/** Submission keys that describe where a lead came from rather than who it is. */
export const CONTEXT_KEYS = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'pageUrl',
  'referrer',
] as const;

export const consentKey = (key: string) => `consent_${key}`;

const TEXT_LIMITS: Partial<Record<FieldType, number>> = {
  text: 500,
  textarea: 5000,
  email: 254,
  phone: 32,
  url: 2048,
  hidden: 500,
};

/** Resolves a form's field list against the standard fields and the tenant's custom fields. */
export function resolveFields(
  fields: FormField[],
  customFields: CustomFieldDefinition[],
): PublishedField[] {
  const custom = new Map(customFields.map((f) => [f.key, f]));
  return fields.map((field) => {
    if (isStandardField(field.key)) {
      return withOverrides(
        {
          key: field.key,
          type: STANDARD_FIELD_TYPES[field.key],
          label: STANDARD_FIELD_LABELS[field.key],
          required: false,
        },
        field,
      );
    }
    const definition = custom.get(field.key);
    if (!definition) throw new Error(`unknown field ${field.key}`);
    const resolved: PublishedField = {
      key: definition.key,
      type: definition.type,
      label: definition.label,
      required: definition.required,
    };
    if (definition.options) resolved.options = definition.options;
    if (definition.min !== undefined) resolved.min = definition.min;
    if (definition.max !== undefined) resolved.max = definition.max;
    if (definition.pattern !== undefined) resolved.pattern = definition.pattern;
    return withOverrides(resolved, field);
  });
}

function withOverrides(resolved: PublishedField, field: FormField): PublishedField {
  if (field.label !== undefined) resolved.label = field.label;
  if (field.placeholder !== undefined) resolved.placeholder = field.placeholder;
  if (field.required !== undefined) resolved.required = field.required;
  return resolved;
}

type JsonSchema = Record<string, unknown>;

function textSchema(field: PublishedField, format?: string): JsonSchema {
  const maxLength = Math.min(field.max ?? Infinity, TEXT_LIMITS[field.type] ?? 500);
  const schema: JsonSchema = { type: 'string', maxLength };
  const minLength = Math.max(field.required ? 1 : 0, field.min ?? 0);
  if (minLength > 0) schema.minLength = minLength;
  if (format) schema.format = format;
  if (field.pattern) schema.pattern = field.pattern;
  return schema;
}

/** The schema of one field's submitted value. */
export function fieldSchema(field: PublishedField): JsonSchema {
  switch (field.type) {
    case 'text':
    case 'textarea':
    case 'hidden':
      return textSchema(field);
    case 'email':
      return textSchema(field, 'email');
    case 'phone':
      return { ...textSchema(field), pattern: field.pattern ?? '^[+0-9 ()./-]{3,32}$' };
    case 'url':
      return { ...textSchema(field, 'uri'), pattern: field.pattern ?? '^https?://' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'number': {
      const schema: JsonSchema = { type: 'number' };
      if (field.min !== undefined) schema.minimum = field.min;
      if (field.max !== undefined) schema.maximum = field.max;
      return schema;
    }
    case 'checkbox':
      return field.required ? { type: 'boolean', const: true } : { type: 'boolean' };
    case 'select':
      return { type: 'string', enum: field.options ?? [] };
    case 'multiselect':
      return {
        type: 'array',
        items: { type: 'string', enum: field.options ?? [] },
        uniqueItems: true,
        maxItems: field.options?.length ?? 0,
        ...(field.required ? { minItems: 1 } : {}),
      };
  }
}

export interface SubmissionShape {
  fields: PublishedField[];
  consents: PublishedConsent[];
  honeypotField?: string | undefined;
}

/**
 * The JSON Schema of a valid submission: the form's fields (typed, limited, required as
 * configured), its consent checkboxes (`consent_<key>`, `true` when required), the context
 * keys, the honeypot — and nothing else.
 */
export function compileSubmissionSchema(shape: SubmissionShape): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of shape.fields) {
    properties[field.key] = fieldSchema(field);
    if (field.required) required.push(field.key);
  }
  for (const consent of shape.consents) {
    const key = consentKey(consent.key);
    properties[key] = consent.required ? { type: 'boolean', const: true } : { type: 'boolean' };
    if (consent.required) required.push(key);
  }
  for (const key of CONTEXT_KEYS)
    properties[key] = {
      type: 'string',
      maxLength: key === 'pageUrl' || key === 'referrer' ? 2048 : 200,
    };
  if (shape.honeypotField) properties[shape.honeypotField] = { type: 'string', maxLength: 1000 };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  };
}

/**
 * A number as an HTML number input sends it (a valid floating-point number: decimal digits, an
 * optional fraction and exponent); other text is left as it is for the schema to refuse, where
 * Number() would read `0x10` as 16 and `Infinity` as a number.
 */
const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const decimalOr = (value: string): number | string => {
  const text = value.trim();
  return DECIMAL.test(text) && Number.isFinite(Number(text)) ? Number(text) : value;
};

/**
 * An HTML form posts every value as text. Turn them into what the schema expects:
 * numbers, booleans (a checked box sends "on"), arrays for multi-selects.
 */
export function coerceFormEncoded(
  shape: SubmissionShape,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const types = new Map<string, FieldType>(shape.fields.map((f) => [f.key, f.type]));
  for (const consent of shape.consents) types.set(consentKey(consent.key), 'checkbox');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const type = types.get(key);
    if (type === 'multiselect')
      out[key] = Array.isArray(value) ? value : value === '' ? [] : [value];
    else if (Array.isArray(value)) out[key] = value;
    else if (typeof value !== 'string') out[key] = value;
    else if (type === 'number') out[key] = value.trim() === '' ? undefined : decimalOr(value);
    else if (type === 'checkbox')
      out[key] = ['on', 'true', '1', 'yes'].includes(value.toLowerCase())
        ? true
        : ['', 'false', '0', 'no', 'off'].includes(value.toLowerCase())
          ? false
          : value;
    else out[key] = value;
  }
  for (const [key, value] of Object.entries(out)) if (value === undefined) delete out[key];
  return out;
}
