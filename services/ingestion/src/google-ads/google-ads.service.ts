import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CustomValueSchema,
  LeadFieldsSchema,
  type CustomValues,
  type LeadContext,
  type LeadFields,
  type LeadReceived,
  type PublishedField,
  type StandardField,
} from '@leadflow/contracts';
import { compileDataSchema, compileSchema, isAppError } from '@leadflow/core';
import { coerceFormEncoded, fieldSchema, normaliseEmail, toE164 } from '@leadflow/forms';
import type { ResolvedForm } from '../forms/published-forms';
import type { Idempotency } from '../pipeline/idempotency';
import { assertPublishable, leadReceived, type EventPathToField } from '../pipeline/lead-event';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import type { IngestionMetrics } from '../pipeline/metrics';
import type { RequestMeta } from '../pipeline/request-meta';
import { accepted, type AcceptedLead } from '../pipeline/responses';
import {
  EXTRA_VALUE_MAX_LENGTH,
  mapColumns,
  truncated,
  type ColumnIndex,
  type MappedValue,
} from './google-ads.mapping';
import type { GoogleAdsLead } from './google-ads.schema';
import type { Validator } from '../pipeline/validator';

export interface GoogleAdsDeps {
  publisher: LeadPublisher;
  idempotency: Idempotency;
  metrics: IngestionMetrics;
  /** The country national phone numbers are read in: the tenant's default country now. */
  countryOf: (form: ResolvedForm) => Promise<string>;
}

/**
 * True when `googleKey` is the form's key: SHA-256 compared in constant time. A form without
 * a key accepts none — after the same work, so the answer takes as long either way.
 */
export function googleKeyMatches(googleKey: string, expectedHash: Buffer | undefined): boolean {
  const actual = createHash('sha256').update(googleKey, 'utf8').digest();
  const expected =
    expectedHash?.length === actual.length ? expectedHash : Buffer.alloc(actual.length);
  return timingSafeEqual(actual, expected) && expectedHash !== undefined;
}

/** The most columns `context.adPlatform.extra` holds: the lead contract’s limit. */
export const EXTRA_MAX_COLUMNS = 50;

const AD_PLATFORM_FIELDS: Record<string, string> = {
  leadId: 'lead_id',
  formId: 'form_id',
  campaignId: 'campaign_id',
  adGroupId: 'adgroup_id',
  creativeId: 'creative_id',
  assetGroupId: 'asset_group_id',
  gclid: 'gcl_id',
};

type AdPlatform = NonNullable<LeadContext['adPlatform']>;

const fieldValidators = new WeakMap<PublishedField, Validator>();

function validatorOf(field: PublishedField): Validator {
  let validate = fieldValidators.get(field);
  if (!validate) {
    validate = compileDataSchema(fieldSchema(field));
    fieldValidators.set(field, validate);
  }
  return validate;
}

/** Whether the lead contract takes `value` for a standard field (an e-mail format, a name’s length …). */
const fitsLeadField = (field: StandardField, value: string): boolean =>
  compileSchema(LeadFieldsSchema.properties[field])(value);

const fitsCustomValue = (value: unknown): boolean => compileSchema(CustomValueSchema)(value);

function normalised(field: StandardField, value: string, defaultCountry: string) {
  if (field === 'email') return normaliseEmail(value);
  if (field === 'phone') return toE164(value, defaultCountry);
  return value;
}

/** A standard field’s value as the lead holds it; undefined when the lead contract refuses it. */
function standardValue(
  field: StandardField,
  sent: string,
  defaultCountry: string,
): string | undefined {
  const value = normalised(field, sent.trim(), defaultCountry);
  return value !== undefined && fitsLeadField(field, value) ? value : undefined;
}

/** A custom field’s value, typed; undefined unless it fits both the form’s field and the contract. */
function customValue(definition: PublishedField, sent: string): CustomValues[string] | undefined {
  const { [definition.key]: value } = coerceFormEncoded(
    { fields: [definition], consents: [] },
    { [definition.key]: sent },
  );
  if (value === undefined || !validatorOf(definition)(value) || !fitsCustomValue(value))
    return undefined;
  return value as CustomValues[string];
}

/**
 * What the columns of one delivery become — the lead’s fields, its custom values, the columns
 * kept as Google sent them — and the column behind each, to name it in an error.
 */
class LeadValues {
  readonly fields: LeadFields = {};
  readonly custom: CustomValues = {};
  private readonly aside = new Map<string, { value: string; column: ColumnIndex }>();
  private readonly source = new Map<string, ColumnIndex>();

  constructor(private readonly columns: GoogleAdsLead['user_column_data']) {}

  setField(field: StandardField, value: string, found: MappedValue): void {
    this.fields[field] = value;
    this.source.set(`fields.${field}`, found.column);
  }

  setCustom(key: string, value: CustomValues[string], found: MappedValue): void {
    this.custom[key] = value;
    this.source.set(`custom.${key}`, found.column);
  }

  /**
   * Keeps the whole column as sent, also when only part of it (half of a split name) did not
   * fit; cut to the length the contract holds.
   */
  keepAside(found: MappedValue): void {
    if (this.aside.has(found.columnId)) return;
    const sent = this.columns[found.column]?.string_value ?? found.value;
    const value = truncated(sent, EXTRA_VALUE_MAX_LENGTH);
    this.aside.set(found.columnId, { value, column: found.column });
    this.source.set(`context.adPlatform.extra.${found.columnId}`, found.column);
  }

  /** The columns kept aside, the first ones in Google’s order, as many as the contract holds. */
  extra(): Record<string, string> | undefined {
    if (this.aside.size === 0) return undefined;
    const first = [...this.aside]
      .sort(([, a], [, b]) => a.column - b.column)
      .slice(0, EXTRA_MAX_COLUMNS);
    return Object.fromEntries(first.map(([columnId, { value }]) => [columnId, value]));
  }

  /** The column an event path came from, if it came from one. */
  columnOf(path: string[]): ColumnIndex | undefined {
    return this.source.get(path.join('.'));
  }
}

/**
 * Sorts the columns into the lead. A value the lead contract would refuse (an e-mail its format
 * does not take, a name over 100 characters, a phone number that cannot be read) is kept with
 * the other columns instead: a lead refused with 400 is refused again on every resend, and lost.
 */
function leadValuesOf(form: ResolvedForm, lead: GoogleAdsLead, country: string): LeadValues {
  const mapped = mapColumns(lead.user_column_data, new Set(form.customFields.keys()));
  const values = new LeadValues(lead.user_column_data);
  for (const found of Object.values(mapped.extra)) values.keepAside(found);
  // The first usable candidate fills each standard field. One left over is kept aside unless
  // it says what the lead already has (FIRST_NAME "Ann" beside FULL_NAME "Ann Lee") or fills a
  // custom field of its own.
  const filledFrom = new Set<ColumnIndex>();
  const leftOver: MappedValue[] = [];
  for (const [field, candidates] of Object.entries(mapped.fields) as Array<
    [StandardField, MappedValue[]]
  >) {
    for (const found of candidates) {
      const value = standardValue(field, found.value, country);
      if (value !== undefined && values.fields[field] === undefined) {
        values.setField(field, value, found);
        filledFrom.add(found.column);
      } else if (value === undefined || value !== values.fields[field]) leftOver.push(found);
    }
  }
  const customFrom = new Set<ColumnIndex>();
  for (const [key, found] of Object.entries(mapped.custom)) {
    if (filledFrom.has(found.column)) continue;
    const value = customValue(form.customFields.get(key)!, found.value);
    if (value === undefined) leftOver.push(found);
    else {
      values.setCustom(key, value, found);
      customFrom.add(found.column);
    }
  }
  for (const found of leftOver) if (!customFrom.has(found.column)) values.keepAside(found);
  return values;
}

/** Google’s ids of the lead’s form, campaign, ad and click, and the columns kept aside. */
function adPlatformOf(lead: GoogleAdsLead, extra: Record<string, string> | undefined): AdPlatform {
  const adPlatform: AdPlatform = { name: 'google-ads', leadId: lead.lead_id };
  if (lead.form_id !== undefined) adPlatform.formId = lead.form_id;
  if (lead.campaign_id !== undefined) adPlatform.campaignId = lead.campaign_id;
  if (lead.adgroup_id !== undefined) adPlatform.adGroupId = lead.adgroup_id;
  if (lead.creative_id !== undefined) adPlatform.creativeId = lead.creative_id;
  if (lead.asset_group_id !== undefined) adPlatform.assetGroupId = lead.asset_group_id;
  if (lead.gcl_id !== undefined) adPlatform.gclid = lead.gcl_id;
  if (extra) adPlatform.extra = extra;
  return adPlatform;
}

/** The request field behind a path of the event. */
function deliveryField(values: LeadValues): EventPathToField {
  return (path) => {
    const column = values.columnOf(path);
    if (column !== undefined) return `body.user_column_data.${column}.string_value`;
    const [part, key, sub] = path;
    if (part === 'context' && key === 'adPlatform' && sub && AD_PLATFORM_FIELDS[sub])
      return `body.${AD_PLATFORM_FIELDS[sub]}`;
    return 'body.user_column_data';
  };
}

/** Google Ads lead form leads: mapped to lead fields, published once per lead_id. */
export class GoogleAdsService {
  constructor(private readonly deps: GoogleAdsDeps) {}

  async receive(
    form: ResolvedForm,
    lead: GoogleAdsLead,
    meta: RequestMeta,
  ): Promise<{ lead: AcceptedLead; replayed: boolean }> {
    const values = leadValuesOf(form, lead, await this.deps.countryOf(form));
    const event = leadReceived(
      {
        tenantId: form.tenantId,
        source: 'google-ads',
        formId: form.formId,
        fields: values.fields,
        custom: values.custom,
        // Google's servers send the webhook: their address and agent say nothing of the person.
        context: { consents: [], adPlatform: adPlatformOf(lead, values.extra()) },
        isTest: lead.is_test ?? false,
        externalId: lead.lead_id,
      },
      meta.receivedAt,
    );
    this.assertPublishable(event, values);
    const { response, replayed } = await this.deps.idempotency.once(
      // Per form: Google's test data comes with one fixed lead_id, sent to each form set up.
      { tenantId: form.tenantId, scope: `google-ads:${form.formId}` },
      lead.lead_id,
      // lead_id is Google's dedupe key: the same lead id is the same lead, whatever else changed.
      () => ({ leadId: lead.lead_id }),
      event,
      async (same) => {
        await this.deps.publisher.publish(same, meta.deadline);
        return { status: 200, body: accepted(same.leadId) };
      },
    );
    return { lead: response.body, replayed };
  }

  /** The columns were fitted to the contract already: this is the last guard, a 400 naming the field. */
  private assertPublishable(event: LeadReceived, values: LeadValues): void {
    try {
      assertPublishable(event, deliveryField(values), 'The Google Ads lead is invalid');
    } catch (error) {
      if (isAppError(error)) this.deps.metrics.increment('rejected');
      throw error;
    }
  }
}

/** The delivery's `google_key`, if it is a string. */
export function googleKeyOf(body: unknown): string | undefined {
  const key =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>).google_key
      : undefined;
  return typeof key === 'string' ? key : undefined;
}
