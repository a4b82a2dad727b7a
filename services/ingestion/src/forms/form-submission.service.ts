import type { ConsentRecord, LeadContext } from '@leadflow/contracts';
import { AppError, newId, toFieldErrors, type Logger } from '@leadflow/core';
import { coerceFormEncoded, consentKey, normaliseSubmission, trimmedValues } from '@leadflow/forms';
import type { Idempotency, IdempotencyScope } from '../pipeline/idempotency';
import { assertPublishable, leadReceived, type EventPathToField } from '../pipeline/lead-event';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import type { IngestionMetrics } from '../pipeline/metrics';
import type { RequestMeta } from '../pipeline/request-meta';
import { accepted, type AcceptedLead } from '../pipeline/responses';
import type { ResolvedForm } from './published-forms';

export interface FormSubmissionDeps {
  publisher: LeadPublisher;
  idempotency: Idempotency;
  metrics: IngestionMetrics;
  logger: Logger;
  /** The country national phone numbers are read in: the tenant's default country now. */
  countryOf: (form: ResolvedForm) => Promise<string>;
}

export interface Submission {
  /** The parsed body: JSON values, or the text values of a URL-encoded post. */
  body: Record<string, unknown>;
  urlEncoded: boolean;
  meta: RequestMeta;
  idempotencyKey: string | undefined;
}

export interface SubmissionOutcome {
  lead: AcceptedLead;
  replayed: boolean;
}

const UTM_KEYS = [
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'campaign'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
] as const;

/** Where a form's Idempotency-Keys count: honeypot hits too, so that a key answers alike for both. */
const idempotencyScopeOf = (form: ResolvedForm): IdempotencyScope => ({
  tenantId: form.tenantId,
  scope: `form:${form.formKey}`,
});

/** The request field behind a path of the event, for a 400 that names what the page sent. */
const formField: EventPathToField = ([part, key, sub]) => {
  if ((part === 'fields' || part === 'custom') && key) return `body.${key}`;
  if (part === 'context' && key === 'utm' && sub) return `body.utm_${sub}`;
  if (part === 'context' && (key === 'pageUrl' || key === 'referrer')) return `body.${key}`;
  return 'body';
};

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The business of a public submission: judge it by its form, normalise it, publish it once. */
export class FormSubmissionService {
  constructor(private readonly deps: FormSubmissionDeps) {}

  async submit(form: ResolvedForm, submission: Submission): Promise<SubmissionOutcome> {
    const honeypot = form.config.honeypotField;
    if (honeypot !== undefined && isFilled(submission.body[honeypot]))
      return this.discard(form, submission);
    const values = trimmedValues(
      submission.urlEncoded ? coerceFormEncoded(form.shape, submission.body) : submission.body,
    );

    if (!form.validate(values)) {
      this.deps.metrics.increment('rejected');
      throw new AppError('validation_failed', 'The submission is invalid', {
        errors: toFieldErrors(form.validate.errors, 'body'),
      });
    }
    const { fields, custom } = this.normalise(form, values, await this.deps.countryOf(form));
    const at = submission.meta.receivedAt.toISOString();
    const consents: ConsentRecord[] = form.config.consents.map((consent) => ({
      key: consent.key,
      text: consent.text,
      given: values[consentKey(consent.key)] === true,
      at,
    }));
    const context: LeadContext = { consents };
    const utm: NonNullable<LeadContext['utm']> = {};
    for (const [key, property] of UTM_KEYS) {
      const value = text(values[key]);
      if (value !== undefined) utm[property] = value;
    }
    if (Object.keys(utm).length > 0) context.utm = utm;
    const pageUrl = text(values.pageUrl) ?? submission.meta.referer;
    if (pageUrl !== undefined) context.pageUrl = pageUrl;
    const referrer = text(values.referrer);
    if (referrer !== undefined) context.referrer = referrer;
    if (submission.meta.userAgent !== undefined) context.userAgent = submission.meta.userAgent;
    if (submission.meta.ip !== undefined) context.ip = submission.meta.ip;

    const event = leadReceived(
      {
        tenantId: form.tenantId,
        source: 'form',
        formId: form.formId,
        fields,
        custom,
        context,
        isTest: false,
      },
      submission.meta.receivedAt,
    );
    try {
      assertPublishable(event, formField, 'The submission is invalid');
    } catch (error) {
      this.deps.metrics.increment('rejected');
      throw error;
    }
    const { response, replayed } = await this.deps.idempotency.once(
      idempotencyScopeOf(form),
      submission.idempotencyKey,
      () => ({
        formKey: form.formKey,
        fields,
        custom,
        consents: consents.map((c) => [c.key, c.given]),
        utm,
        pageUrl,
        referrer,
      }),
      event,
      async (lead) => {
        await this.deps.publisher.publish(lead, submission.meta.deadline);
        return { status: 202, body: accepted(lead.leadId) };
      },
    );
    return { lead: response.body, replayed };
  }

  private normalise(form: ResolvedForm, values: Record<string, unknown>, country: string) {
    try {
      return normaliseSubmission(form.config.fields, values, country, 'body');
    } catch (error) {
      this.deps.metrics.increment('rejected');
      throw error;
    }
  }

  /**
   * A bot filled the honeypot: it hears what a person would, and nothing is recorded. With an
   * Idempotency-Key, its retries too: they get the first answer again, replayed, as after an
   * accepted lead — a new lead id each time would tell the bot it was caught.
   */
  private async discard(form: ResolvedForm, submission: Submission): Promise<SubmissionOutcome> {
    this.deps.metrics.increment('honeypot');
    this.deps.logger.info(
      { formKey: form.formKey, formId: form.formId },
      'honeypot filled; submission discarded',
    );
    const { response, replayed } = await this.deps.idempotency.onceForAll(
      idempotencyScopeOf(form),
      submission.idempotencyKey,
      () => ({ formKey: form.formKey, honeypot: trimmedValues(submission.body) }),
      // No leads: the work publishes nothing, only its answer is kept for the retries.
      [],
      () => Promise.resolve({ status: 202, body: accepted(newId()) }),
    );
    return { lead: response.body, replayed };
  }
}
