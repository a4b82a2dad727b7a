import type { ConsentRecord, LeadReceived, TenantSettings } from '@leadflow/contracts';
import { decodeTime } from 'ulid';
import { AppError, type Logger } from '@leadflow/core';
import {
  activity,
  SYSTEM,
  type FieldChange,
  type MergedSubmission,
} from '../activities/activity.record';
import { dedupeKeyOf, holdsClaim, withEmailClaim } from '../leads/email-claim';
import type { LeadRecord } from '../leads/lead.record';
import { AlreadyTakenIn, EmailTaken, type LeadRepository } from '../leads/lead.repository';
import type { Outbox } from '../outbox/outbox';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import type { Assigner } from './assignment';

export type IntakeOutcome = 'created' | 'merged' | 'already-taken-in';

export interface IntakeDeps {
  leads: LeadRepository;
  tenants: TenantDirectory;
  assigner: Assigner;
  outbox: Outbox;
  logger: Logger;
  /** Called after every committed change, so the relay publishes at once. */
  committed: () => void;
}

const MAX_MERGE_ATTEMPTS = 5;
/** Each lookup follows a claim that moved; more than a few moves means something is wrong. */
const MAX_CLAIM_LOOKUPS = 5;

/**
 * The timeline's record of a submission merged into a lead: the lead keeps its own values, so
 * what the person sent this time (another message, phone or campaign) is seen only here.
 */
function mergedSubmission(event: LeadReceived): MergedSubmission {
  const { utm, pageUrl, referrer } = event.context;
  const context = {
    ...(utm ? { utm } : {}),
    ...(pageUrl ? { pageUrl } : {}),
    ...(referrer ? { referrer } : {}),
  };
  return {
    source: event.source,
    eventId: event.eventId,
    ...(event.formId ? { formId: event.formId } : {}),
    fields: event.fields,
    ...(Object.keys(event.custom).length > 0 ? { custom: event.custom } : {}),
    ...(Object.keys(context).length > 0 ? { context } : {}),
  };
}

/** Fills what the lead lacks; never overwrites a value it has. */
function fillEmpty<T extends Record<string, unknown>>(
  current: T,
  incoming: T,
  prefix: string,
  changes: FieldChange[],
): T {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined || (merged[key] !== undefined && merged[key] !== '')) continue;
    merged[key] = value;
    changes.push({ field: `${prefix}${key}`, from: null, to: value });
  }
  return merged as T;
}

/**
 * The consent records a submission adds: one that repeats a recorded answer to the same text
 * adds nothing, so a form sent again and again cannot grow the lead without end.
 */
function newConsents(recorded: ConsentRecord[], submitted: ConsentRecord[]): ConsentRecord[] {
  const latest = new Map<string, ConsentRecord>();
  for (const consent of recorded) latest.set(consent.key, consent);
  return submitted.filter((consent) => {
    const before = latest.get(consent.key);
    return !before || before.text !== consent.text || before.given !== consent.given;
  });
}

/**
 * Turns lead.received into a stored lead, exactly once in effect: the submission's id is
 * claimed in the same transaction as the lead, so a redelivered message changes nothing.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDeps) {}

  async takeIn(event: LeadReceived): Promise<IntakeOutcome> {
    const settings = await this.deps.tenants.settingsOf(event.tenantId);
    try {
      const outcome = await this.createOrMerge(event, settings);
      this.deps.committed();
      return outcome;
    } catch (error) {
      if (error instanceof AlreadyTakenIn) return 'already-taken-in';
      throw error;
    }
  }

  /**
   * The lead holding the submission's e-mail takes it in, or a new lead does; a test delivery
   * looks among test leads only, a real one among real leads only. When the claim moves
   * meanwhile (another submission won it, the lead was erased or changed its e-mail), the
   * e-mail's owner is looked up again.
   */
  private async createOrMerge(
    event: LeadReceived,
    settings: TenantSettings,
  ): Promise<IntakeOutcome> {
    const dedupeKey = dedupeKeyOf(settings, event);
    if (!dedupeKey) return this.create(event, settings);
    let stale: string | undefined;
    for (let attempt = 1; attempt <= MAX_CLAIM_LOOKUPS; attempt++) {
      const owner = await this.deps.leads.ownerOfEmail(event.tenantId, dedupeKey);
      try {
        // A claim still naming a lead that no longer holds it (left by an erasure before leads
        // recorded their claims, or a test lead's claim from before test leads had keys of
        // their own) is taken over by the new lead.
        const outcome =
          owner && owner !== stale
            ? await this.merge(owner, event, dedupeKey)
            : await this.create(event, settings, owner);
        if (outcome) return outcome;
        stale = owner;
      } catch (error) {
        if (!(error instanceof EmailTaken)) throw error;
      }
    }
    throw new Error(`the claim of the submission's e-mail kept moving (lead ${event.leadId})`);
  }

  private async create(
    event: LeadReceived,
    settings: TenantSettings,
    staleClaimOf?: string,
  ): Promise<IntakeOutcome> {
    const now = new Date().toISOString();
    // Received when ingestion accepted it, which its id says: a lead taken in late (a redrive)
    // keeps its place in the list and in createdFrom/createdTo, which go by the id.
    const receivedAt = new Date(decodeTime(event.leadId)).toISOString();
    const ownerId = await this.deps.assigner.ownerFor(settings, event);
    const { consents, ...context } = event.context;
    const lead: LeadRecord = {
      leadId: event.leadId,
      tenantId: event.tenantId,
      status: settings.pipeline.statuses[0] ?? 'new',
      source: event.source,
      fields: event.fields,
      custom: event.custom,
      consents,
      context,
      isTest: event.isTest,
      version: 1,
      createdAt: receivedAt,
      updatedAt: now,
      ...(ownerId ? { ownerId } : {}),
      ...(event.formId ? { formId: event.formId } : {}),
      ...(event.externalId ? { externalId: event.externalId } : {}),
    };
    await this.deps.leads.write({
      ...withEmailClaim(settings, lead),
      ...(staleClaimOf ? { takeOverClaimOf: staleClaimOf } : {}),
      intakeOf: event.leadId,
      raw: event,
      activities: [
        activity('created', SYSTEM, now, {
          submission: {
            source: event.source,
            eventId: event.eventId,
            ...(event.formId ? { formId: event.formId } : {}),
          },
        }),
      ],
      outbox: [this.deps.outbox.changed(lead, 'lead.created', ['*'])],
    });
    return 'created';
  }

  /**
   * A duplicate becomes an activity on the lead holding its e-mail and fills its empty fields;
   * consent records only grow, and a deleted lead is restored. Undefined when that lead no longer holds the e-mail (erased, or
   * its e-mail changed since it was looked up): the version check makes that answer hold.
   */
  private async merge(
    leadId: string,
    event: LeadReceived,
    dedupeKey: string,
  ): Promise<IntakeOutcome | undefined> {
    for (let attempt = 1; ; attempt++) {
      const lead = await this.deps.leads.get(event.tenantId, leadId);
      if (!lead || lead.erasedAt || !holdsClaim(lead, dedupeKey)) return undefined;
      const now = new Date().toISOString();
      const changes: FieldChange[] = [];
      const consents = newConsents(lead.consents, event.context.consents);
      const merged: LeadRecord = {
        ...lead,
        fields: fillEmpty(lead.fields, event.fields, '', changes),
        custom: fillEmpty(lead.custom, event.custom, 'custom.', changes),
        consents: [...lead.consents, ...consents],
        version: lead.version + 1,
        updatedAt: now,
        emailClaim: dedupeKey,
      };
      if (consents.length > 0)
        changes.push({ field: 'consents', from: lead.consents.length, to: merged.consents.length });
      // The person came back: a deleted lead is restored rather than changed out of sight (and
      // out of the CRMs, which only sync leads that are not deleted).
      if (lead.deletedAt !== undefined) {
        delete merged.deletedAt;
        changes.push({ field: 'deletedAt', from: lead.deletedAt, to: null });
      }
      try {
        await this.deps.leads.write({
          lead: merged,
          expectedVersion: lead.version,
          intakeOf: event.leadId,
          raw: event,
          activities: [
            activity('merged', SYSTEM, now, { changes, submission: mergedSubmission(event) }),
          ],
          outbox: [
            this.deps.outbox.changed(
              merged,
              'lead.updated',
              changes.map((c) => c.field),
            ),
          ],
        });
        return 'merged';
      } catch (error) {
        const stale = error instanceof AppError && error.code === 'precondition_failed';
        if (!stale || attempt >= MAX_MERGE_ATTEMPTS) throw error;
      }
    }
  }
}
