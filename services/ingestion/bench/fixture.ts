import {
  newTenantSettings,
  type Branding,
  type CustomFieldDefinition,
  type PublishedFormItem,
  type TenantSettings,
} from '@leadflow/contracts';
import { compileSubmissionSchema, resolveFields } from '@leadflow/forms';

/** The form the benchmark submits to, published the way tenant-config publishes forms. */
export const BENCH_FORM_KEY = 'frm_BenchBenchBenchBenchBen1';
export const BENCH_ORIGIN = 'https://www.bench.test';

const customFields: CustomFieldDefinition[] = [
  { key: 'budget', label: 'Budget', type: 'number', required: false, min: 0, pii: false },
  {
    key: 'product',
    label: 'Product',
    type: 'select',
    required: false,
    options: ['basic', 'pro', 'enterprise'],
    pii: false,
  },
];

const theme: Branding = {
  primaryColor: '#1F6FEB',
  accentColor: '#F78166',
  font: 'Inter',
};

export function benchFormItem(): PublishedFormItem {
  const fields = resolveFields(
    [
      { key: 'email', required: true },
      { key: 'firstName', required: true },
      { key: 'lastName' },
      { key: 'phone' },
      { key: 'company' },
      { key: 'jobTitle' },
      { key: 'message' },
      { key: 'budget' },
      { key: 'product' },
    ],
    customFields,
  );
  const consents = [
    {
      key: 'privacy',
      text: 'I agree that Bench GmbH stores my data to answer me.',
      required: true,
    },
  ];
  return {
    tenantId: 'bench',
    formId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
    version: 1,
    allowedOrigins: [BENCH_ORIGIN],
    defaultCountry: 'DE',
    config: {
      formKey: BENCH_FORM_KEY,
      formId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
      version: 1,
      name: 'Contact',
      fields,
      consents,
      honeypotField: 'website',
      success: { message: 'Thank you.' },
      theme,
      schema: compileSubmissionSchema({ fields, consents, honeypotField: 'website' }),
      publishedAt: new Date().toISOString(),
    },
  };
}

/** The tenant of the form, as tenant-config stores it: its default country is read per lead. */
export function benchTenantSettings(): TenantSettings {
  return {
    ...newTenantSettings({
      tenantId: 'bench',
      name: 'Bench GmbH',
      slug: 'bench',
      defaultCountry: 'DE',
      timezone: 'Europe/Berlin',
    }),
    branding: theme,
    customFields,
    adminCount: 1,
  };
}

/** A realistic submission: 9 fields, a consent, UTM parameters and the page. */
export const BENCH_SUBMISSION = {
  email: 'Jane.Doe@Example.com',
  firstName: 'Jane',
  lastName: 'Doe',
  phone: '030 1234567',
  company: 'Example GmbH',
  jobTitle: 'Head of Marketing',
  message: 'We would like a demo for our team of twelve, ideally next week.',
  budget: 5000,
  product: 'pro',
  consent_privacy: true,
  utm_source: 'newsletter',
  utm_medium: 'email',
  utm_campaign: 'spring-launch',
  pageUrl: 'https://www.bench.test/contact?ref=nav',
  referrer: 'https://www.bench.test/pricing',
};
