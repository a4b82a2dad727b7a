import type {
  CustomFieldDefinition,
  CustomValues,
  LeadFields,
  TenantSettings,
} from '@leadflow/contracts';
import { AppError, compileDataSchema, toFieldErrors, type FieldError } from '@leadflow/core';
import { fieldSchema, toE164 } from '@leadflow/forms';

type Validator = ReturnType<typeof compileDataSchema>;

const customValidators = new Map<string, { version: number; validate: Validator }>();

/**
 * The validator of a tenant's custom values, compiled once per tenant version, by an Ajv of its
 * own: the patterns are the tenant's (see compileDataSchema).
 */
function customValuesValidator(settings: TenantSettings): Validator {
  const cached = customValidators.get(settings.tenantId);
  if (cached?.version === settings.version) return cached.validate;
  const properties = Object.fromEntries(
    settings.customFields.map((field: CustomFieldDefinition) => [
      field.key,
      fieldSchema({ ...field, required: false }),
    ]),
  );
  const validate = compileDataSchema({ type: 'object', properties, additionalProperties: false });
  customValidators.set(settings.tenantId, { version: settings.version, validate });
  return validate;
}

export function assertCustomValues(
  settings: TenantSettings,
  custom: CustomValues,
  prefix: string,
): void {
  const validate = customValuesValidator(settings);
  if (!validate(custom))
    throw new AppError('validation_failed', 'Custom fields do not match the tenant’s lead schema', {
      errors: toFieldErrors(validate.errors, prefix),
    });
}

export function assertStatus(settings: TenantSettings, status: string, field: string): void {
  if (!settings.pipeline.statuses.includes(status)) {
    throw new AppError('validation_failed', 'The status is not in the tenant’s pipeline', {
      errors: [{ field, message: `must be one of: ${settings.pipeline.statuses.join(', ')}` }],
    });
  }
}

/** Trimmed strings, lower-cased e-mail, phone in E.164 — as ingestion stores them. */
export function normaliseFields(
  fields: LeadFields,
  defaultCountry: string,
  prefix: string,
): LeadFields {
  const errors: FieldError[] = [];
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (typeof raw !== 'string') continue;
    const value = raw.trim();
    if (value === '') continue;
    if (key === 'email') out.email = value.toLowerCase();
    else if (key === 'phone') {
      const e164 = toE164(value, defaultCountry);
      if (e164) out.phone = e164;
      else
        errors.push({
          field: `${prefix}.phone`,
          message: `is not a valid phone number for ${defaultCountry}`,
        });
    } else out[key] = value;
  }
  if (errors.length > 0) throw new AppError('validation_failed', 'The lead is invalid', { errors });
  return out as LeadFields;
}

export function requiredCustomErrors(
  settings: TenantSettings,
  custom: CustomValues,
  prefix: string,
): FieldError[] {
  return settings.customFields
    .filter((f) => f.required && custom[f.key] === undefined)
    .map((f) => ({ field: `${prefix}.${f.key}`, message: 'is required' }));
}
