import type { LeadReceived, TenantSettings } from '@leadflow/contracts';
import { AppError, type Logger } from '@leadflow/core';
import { dedupeEmailKey } from '@leadflow/forms';
import { activity, SYSTEM, type FieldChange } from '../activities/activity.record';
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
 * Turns lead.received into a stored lead, exactly once in effect: the submission's id is
 * claimed in the same transaction as the lead, so a redelivered message changes nothing.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDeps) {}

  async takeIn(event: LeadReceived): Promise<IntakeOutcome> {
    const settings = await this.deps.tenants.settingsOf(event.tenantId);
    const dedupeKey =
      settings.dedupe.mode === 'merge' && event.fields.email
        ? dedupeEmailKey(event.fields.email, settings.dedupe.ignorePlusTag)
        : undefined;
    try {
      const existing = dedupeKey
        ? await this.deps.leads.ownerOfEmail(event.tenantId, dedupeKey)
        : undefined;
      const outcome = existing
        ? await this.merge(existing, event)
        : await this.create(event, settings, dedupeKey);
      this.deps.committed();
      return outcome;
    } catch (error) {
      if (error instanceof AlreadyTakenIn) return 'already-taken-in';
      if (error instanceof EmailTaken) {
        // Another submission with this e-mail won the race: this one joins its lead.
        await this.merge(error.leadId, event).catch((again: unknown) => {
          if (!(again instanceof AlreadyTakenIn)) throw again;
        });
        this.deps.committed();
        return 'merged';
      }
      throw error;
    }
  }

  private async create(
    event: LeadReceived,
    settings: TenantSettings,
    dedupeKey: string | undefined,
  ): Promise<IntakeOutcome> {
    const now = new Date().toISOString();
    const ownerId = await this.deps.assigner.ownerFor(settings, event.formId);
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
      createdAt: now,
      updatedAt: now,
      ...(ownerId ? { ownerId } : {}),
      ...(event.formId ? { formId: event.formId } : {}),
      ...(event.externalId ? { externalId: event.externalId } : {}),
    };
    await this.deps.leads.write({
      lead,
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
      ...(dedupeKey ? { claimEmail: dedupeKey } : {}),
    });
    return 'created';
  }

  /** A duplicate becomes an activity on the existing lead and fills its empty fields; consent records only grow. */
  private async merge(leadId: string, event: LeadReceived): Promise<IntakeOutcome> {
    for (let attempt = 1; ; attempt++) {
      const lead = await this.deps.leads.require(event.tenantId, leadId);
      const now = new Date().toISOString();
      const changes: FieldChange[] = [];
      const merged: LeadRecord = {
        ...lead,
        fields: fillEmpty(lead.fields, event.fields, '', changes),
        custom: fillEmpty(lead.custom, event.custom, 'custom.', changes),
        consents: [...lead.consents, ...event.context.consents],
        version: lead.version + 1,
        updatedAt: now,
      };
      if (event.context.consents.length > 0)
        changes.push({ field: 'consents', from: lead.consents.length, to: merged.consents.length });
      try {
        await this.deps.leads.write({
          lead: merged,
          expectedVersion: lead.version,
          intakeOf: event.leadId,
          raw: event,
          activities: [
            activity('merged', SYSTEM, now, {
              changes,
              submission: {
                source: event.source,
                eventId: event.eventId,
                ...(event.formId ? { formId: event.formId } : {}),
              },
            }),
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
