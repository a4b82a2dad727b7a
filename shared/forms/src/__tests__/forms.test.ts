import { compileSchema } from '@leadflow/core';
import type { CustomFieldDefinition } from '@leadflow/contracts';
import { coerceFormEncoded, compileSubmissionSchema, resolveFields } from '../compile';
import { dedupeEmailKey, normaliseSubmission, toE164 } from '../normalise';
import { unsafePatternReason } from '../safe-pattern';

const customFields: CustomFieldDefinition[] = [
  {
    key: 'budget',
    label: 'Budget',
    type: 'number',
    required: false,
    min: 0,
    max: 1_000_000,
    pii: false,
  },
  {
    key: 'product',
    label: 'Product',
    type: 'select',
    required: true,
    options: ['basic', 'pro'],
    pii: false,
  },
  {
    key: 'topics',
    label: 'Topics',
    type: 'multiselect',
    required: false,
    options: ['a', 'b', 'c'],
    pii: false,
  },
  { key: 'newsletter', label: 'Newsletter', type: 'checkbox', required: false, pii: false },
  { key: 'start', label: 'Start', type: 'date', required: false, pii: false },
  { key: 'site', label: 'Website', type: 'url', required: false, pii: false },
];

const fields = resolveFields(
  [
    { key: 'email', required: true },
    { key: 'firstName', label: 'Your name' },
    { key: 'phone' },
    { key: 'budget' },
    { key: 'product' },
    { key: 'topics' },
    { key: 'newsletter' },
    { key: 'start' },
    { key: 'site' },
  ],
  customFields,
);
const shape = {
  fields,
  consents: [{ key: 'privacy', text: 'I agree to the privacy policy.', required: true }],
  honeypotField: 'website_url',
};
const validate = compileSchema(compileSubmissionSchema(shape));

const valid = {
  email: 'Jane@Example.com',
  firstName: ' Jane ',
  phone: '030 1234567',
  budget: 5000,
  product: 'pro',
  topics: ['a', 'c'],
  newsletter: true,
  start: '2027-01-15',
  site: 'https://jane.example',
  consent_privacy: true,
  utm_source: 'google',
  pageUrl: 'https://landing.example/offer',
};

describe('the form compiler', () => {
  it('when fields are resolved, then standard and custom definitions meet the form’s overrides', () => {
    expect(fields[0]).toEqual({ key: 'email', type: 'email', label: 'E-mail', required: true });
    expect(fields[1]).toEqual({
      key: 'firstName',
      type: 'text',
      label: 'Your name',
      required: false,
    });
    expect(fields[4]).toEqual({
      key: 'product',
      type: 'select',
      label: 'Product',
      required: true,
      options: ['basic', 'pro'],
    });
  });

  it('when a submission is valid, then the schema accepts it', () => {
    expect(validate(structuredClone(valid))).toBe(true);
  });

  it.each([
    ['a required field is missing', { email: undefined }, 'email'],
    ['a required consent is not given', { consent_privacy: false }, 'consent_privacy'],
    ['an unknown field is sent', { admin: true }, 'admin'],
    ['an e-mail is malformed', { email: 'jane' }, 'email'],
    ['a number is text', { budget: 'lots' }, 'budget'],
    ['a number is out of range', { budget: -1 }, 'budget'],
    ['a select value is not an option', { product: 'enterprise' }, 'product'],
    ['a multiselect value is not an option', { topics: ['z'] }, 'topics'],
    ['a date is not a date', { start: '15/01/2027' }, 'start'],
    ['a url is not http(s)', { site: 'javascript:alert(1)' }, 'site'],
    ['a text is too long', { firstName: 'x'.repeat(501) }, 'firstName'],
  ])('when %s, then the schema rejects it', (_case, change, field) => {
    const submission: Record<string, unknown> = { ...structuredClone(valid), ...change };
    for (const [k, v] of Object.entries(submission)) if (v === undefined) delete submission[k];
    expect(validate(submission)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain(field);
  });

  it('when an HTML form posts text, then values are coerced to the types of their fields', () => {
    expect(
      coerceFormEncoded(shape, {
        budget: '5000',
        newsletter: 'on',
        consent_privacy: 'on',
        topics: 'a',
        email: 'x@y.co',
        start: '',
      }),
    ).toEqual({
      budget: 5000,
      newsletter: true,
      consent_privacy: true,
      topics: ['a'],
      email: 'x@y.co',
      start: '',
    });
  });

  it.each([
    ['5000', 5000],
    [' -12.5 ', -12.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['0x10', '0x10'],
    ['0b11', '0b11'],
    ['Infinity', 'Infinity'],
    ['1_000', '1_000'],
  ])('when a number input posts %j, then it is read as %j', (text, read) => {
    expect(coerceFormEncoded(shape, { budget: text })).toEqual({ budget: read });
  });
});

describe('normalisation', () => {
  it('when a submission is normalised, then strings are trimmed, the e-mail lower-cased, the phone E.164, custom fields apart', () => {
    expect(normaliseSubmission(fields, valid, 'DE')).toEqual({
      fields: { email: 'jane@example.com', firstName: 'Jane', phone: '+49301234567' },
      custom: {
        budget: 5000,
        product: 'pro',
        topics: ['a', 'c'],
        newsletter: true,
        start: '2027-01-15',
        site: 'https://jane.example',
      },
    });
  });

  it('when a phone number is not valid for the country, then the field is named', () => {
    expect(() => normaliseSubmission(fields, { ...valid, phone: '12' }, 'DE', 'body')).toThrow(
      expect.objectContaining({
        errors: [{ field: 'body.phone', message: 'is not a valid phone number for DE' }],
      }),
    );
  });

  it('when a number carries its own country code, then the default country does not change it', () => {
    expect(toE164('+44 20 7946 0958', 'DE')).toBe('+442079460958');
  });

  it('when e-mails differ only by +tag or case, then their dedupe keys match only if asked', () => {
    expect(dedupeEmailKey('Jane+Promo@Example.com', true)).toBe('jane@example.com');
    expect(dedupeEmailKey('Jane+Promo@Example.com', false)).toBe('jane+promo@example.com');
  });
});

describe('tenant patterns', () => {
  it.each(['^[A-Z]{2}-\\d{4}$', '^(ab|cd)+$', '^[a-z]+(-[a-z]+)?$', '\\(a+\\)+'])(
    'when the pattern is %s, then it is accepted',
    (pattern) => {
      expect(unsafePatternReason(pattern)).toBeUndefined();
    },
  );

  it.each(['(a+)+$', '^(\\w*)*$', '((ab)*c)+', '([', '^(?=.*\\d).+$', '(a)\\1'])(
    'when the pattern is %s, then it is refused',
    (pattern) => {
      expect(unsafePatternReason(pattern)).toBeDefined();
    },
  );
});
