import {
  isSupportedCountry as isSupportedPhoneCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/min';
import { AppError, type FieldError } from '@leadflow/core';
import {
  isStandardField,
  type CustomValues,
  type LeadFields,
  type PublishedField,
} from '@leadflow/contracts';

/** Lower-cased and trimmed; the form an e-mail is stored and compared in. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The key two e-mails share when they reach the same mailbox: `+tag` dropped when asked. */
export function dedupeEmailKey(email: string, ignorePlusTag: boolean): string {
  const normalised = normaliseEmail(email);
  if (!ignorePlusTag) return normalised;
  const at = normalised.lastIndexOf('@');
  if (at < 0) return normalised;
  const local = normalised.slice(0, at).split('+')[0];
  return `${local}${normalised.slice(at)}`;
}

/** An ISO 3166-1 alpha-2 code whose phone numbers we can read. */
export function isSupportedCountry(country: string): boolean {
  return isSupportedPhoneCountry(country.toUpperCase());
}

/** E.164, using the tenant's default country for numbers written without one. */
export function toE164(phone: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(
    phone.trim(),
    defaultCountry.toUpperCase() as CountryCode,
  );
  return parsed?.isValid() ? parsed.number : undefined;
}

/**
 * Strings trimmed, and a value left empty treated as not given, before values are validated:
 * browsers send every input of a form, filled or not, and autofill adds spaces — neither should
 * fail an e-mail format or a list of options. A required field left blank then fails as "is
 * required", rather than passing and being dropped by the trimming of normalisation.
 */
export function trimmedValues(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) out[key] = value.map(trimmedItem).filter((item) => item !== '');
    else if (typeof value !== 'string') out[key] = value;
    else {
      const text = value.trim();
      if (text !== '') out[key] = text;
    }
  }
  return out;
}

/** A multiselect's choice, trimmed like every other string. */
const trimmedItem = (item: unknown): unknown => (typeof item === 'string' ? item.trim() : item);

export interface NormalisedSubmission {
  fields: LeadFields;
  custom: CustomValues;
}

type FieldValue = string | number | boolean | string[];

function normaliseValue(
  field: PublishedField,
  value: FieldValue,
  defaultCountry: string,
  errors: FieldError[],
): FieldValue | undefined {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (field.type === 'email') return normaliseEmail(trimmed);
  if (field.type === 'phone') {
    const e164 = toE164(trimmed, defaultCountry);
    if (!e164)
      errors.push({
        field: field.key,
        message: `is not a valid phone number for ${defaultCountry.toUpperCase()}`,
      });
    return e164;
  }
  return trimmed;
}

/**
 * Splits validated values into standard fields and custom values, trimmed, e-mail
 * lower-cased, phone in E.164. An unparseable phone number is a 400 naming the field.
 */
export function normaliseSubmission(
  fields: PublishedField[],
  values: Record<string, unknown>,
  defaultCountry: string,
  prefix = '',
): NormalisedSubmission {
  const errors: FieldError[] = [];
  const standard: Record<string, string> = {};
  const custom: CustomValues = {};
  for (const field of fields) {
    const raw = values[field.key] as FieldValue | undefined;
    if (raw === undefined) continue;
    const value = normaliseValue(field, raw, defaultCountry, errors);
    if (value === undefined) continue;
    if (isStandardField(field.key)) standard[field.key] = String(value);
    else custom[field.key] = value;
  }
  if (errors.length > 0) {
    throw new AppError('validation_failed', 'The submission is invalid', {
      errors: errors.map((e) => ({
        field: prefix ? `${prefix}.${e.field}` : e.field,
        message: e.message,
      })),
    });
  }
  return { fields: standard as LeadFields, custom };
}
