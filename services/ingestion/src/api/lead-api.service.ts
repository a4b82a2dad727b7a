import type { LeadContext, LeadReceived } from '@leadflow/contracts';
import {
  AppError,
  assertValid,
  isAppError,
  toFieldErrors,
  ULID_PATTERN,
  type FieldError,
} from '@leadflow/core';
import { normaliseSubmission, trimmedValues } from '@leadflow/forms';
import type { Idempotency } from '../pipeline/idempotency';
import { assertPublishable, leadReceived } from '../pipeline/lead-event';
import { unavailable, type LeadPublisher } from '../pipeline/lead-publisher';
import type { IngestionMetrics } from '../pipeline/metrics';
import type { RequestMeta } from '../pipeline/request-meta';
import { accepted, type AcceptedLead } from '../pipeline/responses';
import { ApiLeadSchema, type ApiLead, type BatchResult, type ItemResult } from './lead-api.schema';
import type { TenantForms } from './tenant-forms';
import type { TenantRules, TenantRulesCache } from './tenant-rules';

export interface LeadApiDeps {
  tenants: TenantRulesCache;
  forms: TenantForms;
  publisher: LeadPublisher;
  idempotency: Idempotency;
  metrics: IngestionMetrics;
}

/** Who sends: the tenant and key id of a resolved API key. */
export interface ApiCaller {
  tenantId: string;
  keyId: string;
}

/** What a caller's leads are judged by: its tenant's rules and the form ids it does not have. */
interface Judging {
  rules: TenantRules;
  unknownForms: ReadonlySet<string>;
}

interface Judged {
  index: number;
  event?: LeadReceived;
  errors?: FieldError[];
}

const ULID = new RegExp(ULID_PATTERN);

const scopeOf = (caller: ApiCaller) => ({
  tenantId: caller.tenantId,
  scope: `api:${caller.keyId}`,
});

/** The record's strings trimmed; those left empty are left out. */
function trimmedStrings<K extends string>(
  record: Partial<Record<K, string>>,
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [key, value] of Object.entries(record) as Array<[K, string | undefined]>) {
    const text = value?.trim();
    if (text) out[key] = text;
  }
  return out;
}

/** The partner's context, its strings trimmed; the consents exactly as the person agreed. */
function trimmedContext({ consents = [], utm, ...rest }: NonNullable<ApiLead['context']>) {
  const context: LeadContext = { ...trimmedStrings(rest), consents };
  const trimmedUtm = utm && trimmedStrings(utm);
  if (trimmedUtm && Object.keys(trimmedUtm).length > 0) context.utm = trimmedUtm;
  return context;
}

/** The form id a batch item names, if it is one at all; the item's validation says the rest. */
function formIdOf(item: unknown): string[] {
  const formId = (item as { formId?: unknown } | null)?.formId;
  return typeof formId === 'string' && ULID.test(formId) ? [formId] : [];
}

/** Partner leads: strictly validated, normalised like form submissions, published once each. */
export class LeadApiService {
  constructor(private readonly deps: LeadApiDeps) {}

  async ingest(
    caller: ApiCaller,
    lead: ApiLead,
    meta: RequestMeta,
    idempotencyKey: string | undefined,
  ): Promise<{ lead: AcceptedLead; replayed: boolean }> {
    const judging = await this.judgingOf(caller, lead.formId === undefined ? [] : [lead.formId]);
    let event: LeadReceived;
    try {
      event = this.toEvent(judging, lead, meta, 'body');
    } catch (error) {
      if (isAppError(error)) this.deps.metrics.increment('rejected');
      throw error;
    }
    const { response, replayed } = await this.deps.idempotency.once(
      scopeOf(caller),
      idempotencyKey,
      () => ({
        fields: event.fields,
        custom: event.custom,
        context: event.context,
        formId: event.formId,
        externalId: event.externalId,
        isTest: event.isTest,
      }),
      event,
      async (same) => {
        await this.deps.publisher.publish(same, meta.deadline);
        return { status: 202, body: accepted(same.leadId) };
      },
    );
    return { lead: response.body, replayed };
  }

  async ingestBatch(
    caller: ApiCaller,
    items: unknown[],
    meta: RequestMeta,
    idempotencyKey: string | undefined,
  ): Promise<{ result: BatchResult; replayed: boolean }> {
    const judging = await this.judgingOf(caller, items.flatMap(formIdOf));
    const judged = items.map((item, index) => this.judge(judging, item, index, meta));
    const rejected = judged.filter((j) => j.errors).length;
    this.deps.metrics.increment('rejected', rejected);
    const { response, replayed } = await this.deps.idempotency.onceForAll(
      scopeOf(caller),
      idempotencyKey,
      () => items,
      judged.map((j) => j.event),
      async (events) => ({
        status: 207,
        body: await this.publishJudged(
          judged.map((j, i) => ({ ...j, event: events[i] })),
          meta.deadline,
          idempotencyKey !== undefined,
        ),
      }),
    );
    return { result: response.body, replayed };
  }

  /**
   * Nothing handed over makes the whole request retryable, exactly like a single lead. With an
   * Idempotency-Key, so does any item not handed over: its entry may have reached EventBridge
   * after all, and only the same request under the same key publishes it again under its first
   * lead id — a `failed` item sent again in a new request would be a second lead.
   */
  private async publishJudged(
    judged: Judged[],
    deadline: number,
    retriedUnderKey: boolean,
  ): Promise<BatchResult> {
    const valid = judged.filter((j): j is Judged & { event: LeadReceived } => !!j.event);
    const outcomes = await this.deps.publisher.publishAll(
      valid.map((j) => j.event),
      deadline,
    );
    const failures = outcomes.flatMap((o) => (o.accepted ? [] : [o.error]));
    if (failures.length > 0 && failures.length === valid.length) throw failures[0];
    if (failures.length > 0 && retriedUnderKey)
      throw unavailable(
        failures[0],
        'Not every lead of the batch could be handed over in time; send the same request again with the same Idempotency-Key after Retry-After: each lead is taken in once',
      );
    const outcomeByIndex = new Map(valid.map((j, i) => [j.index, outcomes[i]!]));
    const results: ItemResult[] = judged.map((j) => {
      if (j.errors) return { index: j.index, status: 'rejected', errors: j.errors };
      const outcome = outcomeByIndex.get(j.index);
      return outcome?.accepted
        ? { index: j.index, status: 'accepted', leadId: j.event!.leadId }
        : { index: j.index, status: 'failed' };
    });
    const count = (status: ItemResult['status']) =>
      results.filter((r) => r.status === status).length;
    return {
      accepted: count('accepted'),
      rejected: count('rejected'),
      failed: count('failed'),
      results,
    };
  }

  private judge(judging: Judging, item: unknown, index: number, meta: RequestMeta): Judged {
    const prefix = `body.leads.${index}`;
    try {
      const lead = assertValid<ApiLead>(ApiLeadSchema, item, { prefix });
      const event = this.toEvent(judging, lead, meta, prefix);
      // A batch item may fill most of the 256 KiB body: its event, with the envelope, can then
      // be more than EventBridge takes, which no retry would change.
      if (!this.deps.publisher.fits(event))
        return {
          index,
          errors: [{ field: prefix, message: 'makes an event over the 256 KiB an event may be' }],
        };
      return { index, event };
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed')
        return { index, errors: error.errors ?? [{ field: prefix, message: error.message }] };
      throw error;
    }
  }

  private async judgingOf(caller: ApiCaller, formIds: string[]): Promise<Judging> {
    const [rules, unknownForms] = await Promise.all([
      this.deps.tenants.get(caller.tenantId),
      this.deps.forms.unknownOf(caller.tenantId, formIds),
    ]);
    if (!rules) throw new AppError('unauthenticated', 'The API key’s tenant no longer exists');
    return { rules, unknownForms };
  }

  /** Validates and normalises one lead into its event; a 400 naming `prefix.…` fields otherwise. */
  private toEvent(
    { rules, unknownForms }: Judging,
    lead: ApiLead,
    meta: RequestMeta,
    prefix: string,
  ) {
    if (lead.formId !== undefined && unknownForms.has(lead.formId)) {
      throw new AppError('validation_failed', 'The lead is invalid', {
        errors: [{ field: `${prefix}.formId`, message: 'is not a form of this tenant' }],
      });
    }
    const custom = trimmedValues(lead.custom ?? {});
    if (!rules.validateCustom(custom)) {
      throw new AppError('validation_failed', 'The lead is invalid', {
        errors: toFieldErrors(rules.validateCustom.errors, `${prefix}.custom`),
      });
    }
    const { fields } = normaliseSubmission(
      rules.standardFields,
      lead.fields,
      rules.defaultCountry,
      `${prefix}.fields`,
    );
    if (fields.email === undefined && fields.phone === undefined) {
      throw new AppError('validation_failed', 'The lead is invalid', {
        errors: [{ field: `${prefix}.fields`, message: 'needs an email or a phone' }],
      });
    }
    const normalisedCustom = normaliseSubmission(
      rules.customFields,
      custom,
      rules.defaultCountry,
      `${prefix}.custom`,
    ).custom;
    const context = trimmedContext(lead.context ?? {});
    const event = leadReceived(
      {
        tenantId: rules.tenantId,
        source: 'api',
        formId: lead.formId,
        fields,
        custom: normalisedCustom,
        context,
        isTest: lead.isTest ?? false,
        externalId: lead.externalId?.trim() || undefined,
      },
      meta.receivedAt,
    );
    assertPublishable(event, (path) => [prefix, ...path].join('.'), 'The lead is invalid');
    return event;
  }
}
