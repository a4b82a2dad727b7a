import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  CustomValues,
  LeadContext,
  LeadFields,
  PublishedField,
  StandardField,
} from '@leadflow/contracts';
import { compileSchema, isAppError } from '@leadflow/core';
import { coerceFormEncoded, fieldSchema, normaliseEmail, toE164 } from '@leadflow/forms';
import type { ResolvedForm } from '../forms/published-forms';
import type { Idempotency } from '../pipeline/idempotency';
import { assertPublishable, leadReceived, type EventPathToField } from '../pipeline/lead-event';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import type { IngestionMetrics } from '../pipeline/metrics';
import type { RequestMeta } from '../pipeline/request-meta';
import { accepted, type AcceptedLead } from '../pipeline/responses';
import { mapColumns, type ColumnIndex, type MappedValue } from './google-ads.mapping';
import type { GoogleAdsLead } from './google-ads.schema';
import type { Validator } from '../pipeline/validator';

export interface GoogleAdsDeps {
  publisher: LeadPublisher;
  idempotency: Idempotency;
  metrics: IngestionMetrics;
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

const AD_PLATFORM_FIELDS: Record<string, string> = {
  leadId: 'lead_id',
  formId: 'form_id',
  campaignId: 'campaign_id',
  adGroupId: 'adgroup_id',
  creativeId: 'creative_id',
  gclid: 'gcl_id',
};

const fieldValidators = new WeakMap<PublishedField, Validator>();

function validatorOf(field: PublishedField): Validator {
  let validate = fieldValidators.get(field);
  if (!validate) {
    validate = compileSchema(fieldSchema(field));
    fieldValidators.set(field, validate);
  }
  return validate;
}

/** Google Ads lead form leads: mapped to lead fields, published once per lead_id. */
export class GoogleAdsService {
  constructor(private readonly deps: GoogleAdsDeps) {}

  async receive(
    form: ResolvedForm,
    lead: GoogleAdsLead,
    meta: RequestMeta,
  ): Promise<{ lead: AcceptedLead; replayed: boolean }> {
    const mapped = mapColumns(lead.user_column_data, new Set(form.customFields.keys()));
    const source = new Map<string, ColumnIndex>();
    const extra: Record<string, string> = {};
    for (const [columnId, { value, column }] of Object.entries(mapped.extra)) {
      extra[columnId] = value;
      source.set(`context.adPlatform.extra.${columnId}`, column);
    }

    const fields: LeadFields = {};
    for (const [field, found] of Object.entries(mapped.fields) as Array<
      [StandardField, MappedValue]
    >) {
      const value = found.value.trim();
      let normalised: string | undefined = value;
      if (field === 'email') normalised = normaliseEmail(value);
      if (field === 'phone') normalised = toE164(value, form.defaultCountry);
      if (normalised === undefined) {
        // A number we cannot read is kept as Google sent it rather than lost.
        extra[found.columnId] = found.value;
        source.set(`context.adPlatform.extra.${found.columnId}`, found.column);
        continue;
      }
      fields[field] = normalised;
      source.set(`fields.${field}`, found.column);
    }

    const custom: CustomValues = {};
    for (const [key, found] of Object.entries(mapped.custom)) {
      const definition = form.customFields.get(key)!;
      const value = coerceFormEncoded(
        { fields: [definition], consents: [] },
        { [key]: found.value },
      )[key];
      if (value !== undefined && validatorOf(definition)(value)) {
        custom[key] = value as CustomValues[string];
        source.set(`custom.${key}`, found.column);
      } else {
        extra[found.columnId] = found.value;
        source.set(`context.adPlatform.extra.${found.columnId}`, found.column);
      }
    }

    const adPlatform: NonNullable<LeadContext['adPlatform']> = {
      name: 'google-ads',
      leadId: lead.lead_id,
    };
    if (lead.form_id !== undefined) adPlatform.formId = lead.form_id;
    if (lead.campaign_id !== undefined) adPlatform.campaignId = lead.campaign_id;
    if (lead.adgroup_id !== undefined) adPlatform.adGroupId = lead.adgroup_id;
    if (lead.creative_id !== undefined) adPlatform.creativeId = lead.creative_id;
    if (lead.gcl_id !== undefined) adPlatform.gclid = lead.gcl_id;
    if (Object.keys(extra).length > 0) adPlatform.extra = extra;

    const event = leadReceived(
      {
        tenantId: form.tenantId,
        source: 'google-ads',
        formId: form.formId,
        fields,
        custom,
        // Google's servers send the webhook: their address and agent say nothing of the person.
        context: { consents: [], adPlatform },
        isTest: lead.is_test ?? false,
        externalId: lead.lead_id,
      },
      meta.receivedAt,
    );
    const toField: EventPathToField = (path) => {
      const column = source.get(path.join('.'));
      if (column !== undefined) return `body.user_column_data.${column}.string_value`;
      const [part, key, sub] = path;
      if (part === 'context' && key === 'adPlatform' && sub && AD_PLATFORM_FIELDS[sub])
        return `body.${AD_PLATFORM_FIELDS[sub]}`;
      return 'body.user_column_data';
    };
    try {
      assertPublishable(event, toField, 'The Google Ads lead is invalid');
    } catch (error) {
      if (isAppError(error)) this.deps.metrics.increment('rejected');
      throw error;
    }
    const { response, replayed } = await this.deps.idempotency.once(
      { tenantId: form.tenantId, scope: 'google-ads' },
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
}

/** The delivery's `google_key`, if it is a string. */
export function googleKeyOf(body: unknown): string | undefined {
  const key =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>).google_key
      : undefined;
  return typeof key === 'string' ? key : undefined;
}
