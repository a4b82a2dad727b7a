import { ulid } from 'ulid';
import { hasPermission } from '@leadflow/auth';
import type { CustomValues, LeadFields } from '@leadflow/contracts';
import { AppError, notFound, staleVersion, type Principal } from '@leadflow/core';
import { activity, actorOf, type FieldChange } from '../activities/activity.record';
import type { Outbox } from '../outbox/outbox';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import { isStaleClaim, possibleClaims, withEmailClaim } from './email-claim';
import type { LeadQuery } from './lead.query';
import type { LeadRecord } from './lead.record';
import { EmailTaken, type LeadRepository, type LeadWrite } from './lead.repository';
import type { CreateLead, Lead, LeadFilters, LeadSummary, PatchLead } from './lead.schema';
import {
  assertCustomValues,
  assertStatus,
  normaliseFields,
  requiredCustomErrors,
} from './lead-values';

export interface LeadServiceDeps {
  leads: LeadRepository;
  tenants: TenantDirectory;
  outbox: Outbox;
  committed: () => void;
}

export function toSummary(lead: LeadRecord): LeadSummary {
  const {
    leadId,
    tenantId: _t,
    consents: _c,
    context: _x,
    externalId: _e,
    emailClaim: _claim,
    ...rest
  } = lead;
  return { id: leadId, ...rest };
}

function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix: string,
): FieldChange[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => ({
      field: `${prefix}${key}`,
      from: before[key] ?? null,
      to: after[key] ?? null,
    }));
}

function applyPatch<T extends Record<string, unknown>>(
  current: T,
  patch: Record<string, unknown> | undefined,
): T {
  if (!patch) return current;
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as T;
}

/** The values a patch sets; null clears a value and needs no judging. */
function valuesSet(patch: Record<string, unknown> | undefined): CustomValues {
  return Object.fromEntries(
    Object.entries(patch ?? {}).filter(([, value]) => value !== null),
  ) as CustomValues;
}

/** Deleted and erased leads are for those who may delete: to anyone else they do not exist. */
const seesRemoved = (principal: Principal | undefined) => hasPermission(principal, 'leads:delete');

/** What of the tenant's leads a principal's lists show: what `canSee` lets it GET. */
export function listScopeOf(
  principal: Principal | undefined,
): Pick<LeadQuery, 'restrictToOwner' | 'hideErased'> {
  return {
    restrictToOwner: hasPermission(principal, 'leads:read-all') ? undefined : principal?.subject,
    hideErased: !seesRemoved(principal),
  };
}

/** A lead, or the lead a submission id was merged into. */
export type LeadLookUp = { lead: LeadRecord } | { mergedInto: string };

/** Tries of a server-side change that keeps losing the race to other changes of the lead. */
const MAX_CHANGE_ATTEMPTS = 5;

/** The business rules of leads as people work them: visibility, edits, assignment, deletion, erasure. */
/**
 * A deleted lead is not synced (restore it first), an erased one holds nothing to change: a
 * change would reach the CRMs as a lead.updated of a lead they no longer have.
 */
function assertLive(lead: LeadRecord, what: string): void {
  if (lead.erasedAt) throw new AppError('conflict', `An erased lead cannot be ${what}`);
  if (lead.deletedAt)
    throw new AppError('conflict', `A deleted lead cannot be ${what}; restore it first`);
}

export class LeadService {
  constructor(private readonly deps: LeadServiceDeps) {}

  /** A lead the principal may see; anything else is 404, exactly like a lead that does not exist. */
  async visible(
    tenantId: string,
    leadId: string,
    principal: Principal | undefined,
  ): Promise<LeadRecord> {
    const lead = await this.deps.leads.get(tenantId, leadId);
    if (!lead || !this.canSee(lead, principal)) throw notFound('Lead');
    return lead;
  }

  /**
   * What GET answers for an id: the lead, or where a submission that intake merged into another
   * lead is found. The id ingestion answered 202 with then never names a lead of its own.
   */
  async lookUp(
    tenantId: string,
    leadId: string,
    principal: Principal | undefined,
  ): Promise<LeadLookUp> {
    const lead = await this.deps.leads.get(tenantId, leadId);
    if (lead) {
      if (!this.canSee(lead, principal)) throw notFound('Lead');
      return { lead };
    }
    const mergedInto = await this.mergedInto(tenantId, leadId, principal);
    if (!mergedInto) throw notFound('Lead');
    return { mergedInto };
  }

  /** The lead a merged submission joined, if the principal may see it: else 404 tells nothing. */
  private async mergedInto(
    tenantId: string,
    receivedLeadId: string,
    principal: Principal | undefined,
  ): Promise<string | undefined> {
    const takenInBy = await this.deps.leads.takenInBy(tenantId, receivedLeadId);
    if (!takenInBy || takenInBy === receivedLeadId) return undefined;
    const lead = await this.deps.leads.get(tenantId, takenInBy);
    return lead && this.canSee(lead, principal) ? takenInBy : undefined;
  }

  canSee(lead: LeadRecord, principal: Principal | undefined): boolean {
    if ((lead.deletedAt || lead.erasedAt) && !seesRemoved(principal)) return false;
    if (hasPermission(principal, 'leads:read-all')) return true;
    return !lead.ownerId || lead.ownerId === principal?.subject;
  }

  async details(tenantId: string, lead: LeadRecord): Promise<Lead> {
    const sync = await this.deps.leads.syncStatus(tenantId, lead.leadId);
    const { leadId, tenantId: _t, emailClaim: _claim, ...rest } = lead;
    return { id: leadId, ...rest, sync };
  }

  async list(
    tenantId: string,
    principal: Principal | undefined,
    filters: LeadFilters,
    limit: number,
    cursor: string | undefined,
  ) {
    if (filters.includeDeleted && !seesRemoved(principal)) {
      throw new AppError('forbidden', 'Only admins may list deleted leads');
    }
    const page = await this.deps.leads.list({
      tenantId,
      filters,
      limit,
      cursor,
      ...listScopeOf(principal),
    });
    return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
  }

  async create(
    tenantId: string,
    principal: Principal | undefined,
    input: CreateLead,
  ): Promise<LeadRecord> {
    const settings = await this.deps.tenants.settingsOf(tenantId);
    const fields = normaliseFields(input.fields, settings.defaultCountry, 'body.fields');
    const custom = input.custom ?? {};
    assertCustomValues(settings, custom, 'body.custom');
    const missing = requiredCustomErrors(settings, custom, 'body.custom');
    if (missing.length > 0)
      throw new AppError('validation_failed', 'Required custom fields are missing', {
        errors: missing,
      });
    if (input.status) assertStatus(settings, input.status, 'body.status');
    if (input.ownerId) {
      if (input.ownerId !== principal?.subject && !hasPermission(principal, 'leads:assign'))
        throw new AppError('forbidden', 'Only managers and admins may give a lead to someone else');
      await this.assertMember(tenantId, input.ownerId, 'body.ownerId');
    }
    const now = new Date().toISOString();
    const lead: LeadRecord = {
      leadId: ulid(),
      tenantId,
      status: input.status ?? settings.pipeline.statuses[0] ?? 'new',
      source: 'manual',
      fields,
      custom,
      consents: input.consents ?? [],
      isTest: false,
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...(input.ownerId ? { ownerId: input.ownerId } : {}),
    };
    const write = withEmailClaim(settings, lead);
    await this.commit(principal, {
      ...write,
      activities: [
        activity('created', actorOf(principal), now, {
          submission: { source: 'manual', eventId: lead.leadId },
        }),
      ],
      outbox: [this.deps.outbox.changed(lead, 'lead.created', ['*'])],
    });
    return write.lead;
  }

  async update(
    tenantId: string,
    principal: Principal | undefined,
    leadId: string,
    expectedVersion: number,
    patch: PatchLead,
  ): Promise<LeadRecord> {
    const lead = await this.editable(tenantId, leadId, principal);
    const settings = await this.deps.tenants.settingsOf(tenantId);
    if (patch.status) assertStatus(settings, patch.status, 'body.status');
    const fields = normaliseFields(
      applyPatch<LeadFields>(lead.fields, patch.fields),
      settings.defaultCountry,
      'body.fields',
    );
    // Only what the patch sets is judged: stored values of a field the tenant has since removed
    // or retyped stay until someone clears them, and must not block an unrelated change.
    assertCustomValues(settings, valuesSet(patch.custom), 'body.custom');
    const custom = applyPatch<CustomValues>(lead.custom, patch.custom);
    const cleared = settings.customFields.filter(
      (f) => f.required && patch.custom?.[f.key] === null,
    );
    if (cleared.length > 0) {
      throw new AppError('validation_failed', 'Required custom fields cannot be cleared', {
        errors: cleared.map((f) => ({ field: `body.custom.${f.key}`, message: 'is required' })),
      });
    }
    const status = patch.status ?? lead.status;
    const changes = [
      ...(status !== lead.status ? [{ field: 'status', from: lead.status, to: status }] : []),
      ...diff(lead.fields, fields, ''),
      ...diff(lead.custom, custom, 'custom.'),
    ];
    // Nothing changes: no new version (other clients' copies stay current), no timeline entry,
    // nothing pushed to the CRMs.
    if (changes.length === 0) {
      if (lead.version !== expectedVersion) throw staleVersion();
      return lead;
    }
    const now = new Date().toISOString();
    const next: LeadRecord = {
      ...lead,
      status,
      fields,
      custom,
      version: lead.version + 1,
      updatedAt: now,
    };
    const write =
      next.fields.email === lead.fields.email
        ? { lead: next }
        : withEmailClaim(settings, next, await this.claimsHeldBy(lead));
    await this.commit(principal, {
      ...write,
      expectedVersion,
      activities: [activity('updated', actorOf(principal), now, { changes })],
      outbox: [
        this.deps.outbox.changed(
          next,
          'lead.updated',
          changes.map((c) => c.field),
        ),
      ],
    });
    return write.lead;
  }

  async assign(
    tenantId: string,
    principal: Principal | undefined,
    leadId: string,
    ownerId: string | null,
  ): Promise<LeadRecord> {
    if (ownerId) await this.assertMember(tenantId, ownerId, 'body.ownerId');
    return this.changeLatest(async () => {
      const lead = await this.visible(tenantId, leadId, principal);
      assertLive(lead, 'assigned');
      if ((lead.ownerId ?? null) === ownerId) return lead;
      const now = new Date().toISOString();
      const { ownerId: _previous, ...rest } = lead;
      const next: LeadRecord = {
        ...rest,
        ...(ownerId ? { ownerId } : {}),
        version: lead.version + 1,
        updatedAt: now,
      };
      await this.commit(principal, {
        lead: next,
        expectedVersion: lead.version,
        activities: [
          activity('assigned', actorOf(principal), now, {
            changes: [{ field: 'ownerId', from: lead.ownerId ?? null, to: ownerId }],
          }),
        ],
        outbox: [this.deps.outbox.changed(next, 'lead.updated', ['ownerId'])],
      });
      return next;
    });
  }

  async delete(tenantId: string, principal: Principal | undefined, leadId: string): Promise<void> {
    return this.changeLatest(async () => {
      const lead = await this.visible(tenantId, leadId, principal);
      if (lead.deletedAt) return;
      const now = new Date().toISOString();
      const next: LeadRecord = {
        ...lead,
        deletedAt: now,
        version: lead.version + 1,
        updatedAt: now,
      };
      await this.commit(principal, {
        lead: next,
        expectedVersion: lead.version,
        activities: [activity('deleted', actorOf(principal), now)],
        outbox: [this.deps.outbox.removed(next, 'lead.deleted')],
      });
    });
  }

  async restore(
    tenantId: string,
    principal: Principal | undefined,
    leadId: string,
  ): Promise<LeadRecord> {
    return this.changeLatest(async () => {
      const lead = await this.visible(tenantId, leadId, principal);
      if (lead.erasedAt) throw new AppError('conflict', 'An erased lead cannot be restored');
      if (!lead.deletedAt) return lead;
      const now = new Date().toISOString();
      const { deletedAt: _deleted, ...rest } = lead;
      const next: LeadRecord = { ...rest, version: lead.version + 1, updatedAt: now };
      await this.commit(principal, {
        lead: next,
        expectedVersion: lead.version,
        activities: [activity('restored', actorOf(principal), now)],
        outbox: [this.deps.outbox.changed(next, 'lead.updated', ['deletedAt'])],
      });
      return next;
    });
  }

  /** Pushes the current state to every CRM again: a lead.updated without changes. */
  async resync(tenantId: string, principal: Principal | undefined, leadId: string): Promise<void> {
    return this.changeLatest(async () => {
      const lead = await this.visible(tenantId, leadId, principal);
      assertLive(lead, 'synced');
      const now = new Date().toISOString();
      const next: LeadRecord = { ...lead, version: lead.version + 1, updatedAt: now };
      await this.commit(principal, {
        lead: next,
        expectedVersion: lead.version,
        activities: [activity('resync-requested', actorOf(principal), now)],
        outbox: [this.deps.outbox.changed(next, 'lead.updated', [])],
      });
    });
  }

  /**
   * GDPR erasure: the lead becomes a tombstone and lead.erased goes out in one transaction;
   * then everything personal beneath it is purged, and its earlier events that still wait in
   * the outbox with its data. Repeating it finishes an interrupted purge.
   */
  async erase(
    tenantId: string,
    principal: Principal | undefined,
    leadId: string,
  ): Promise<LeadRecord> {
    const tombstone = await this.changeLatest(() => this.tombstone(tenantId, principal, leadId));
    await this.deps.leads.purgeBelow(tenantId, leadId);
    await this.deps.leads.purgePendingChanges(
      tenantId,
      leadId,
      this.deps.outbox.partitionOf(leadId),
      tombstone.version,
    );
    return tombstone;
  }

  /** The erased lead, written with lead.erased unless it already was. */
  private async tombstone(
    tenantId: string,
    principal: Principal | undefined,
    leadId: string,
  ): Promise<LeadRecord> {
    const lead = await this.visible(tenantId, leadId, principal);
    let tombstone = lead;
    if (!lead.erasedAt) {
      const settings = await this.deps.tenants.settingsOf(tenantId);
      const now = new Date().toISOString();
      tombstone = {
        leadId: lead.leadId,
        tenantId,
        status: lead.status,
        source: lead.source,
        fields: {},
        custom: {},
        consents: [],
        isTest: lead.isTest,
        version: lead.version + 1,
        createdAt: lead.createdAt,
        updatedAt: now,
        erasedAt: now,
        ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
        ...(lead.formId ? { formId: lead.formId } : {}),
        ...(lead.deletedAt ? { deletedAt: lead.deletedAt } : {}),
      };
      const pastEmails = await this.deps.leads.pastEmails(tenantId, leadId);
      await this.commit(principal, {
        ...withEmailClaim(settings, tombstone, await this.claimsHeldBy(lead, pastEmails)),
        expectedVersion: lead.version,
        activities: [activity('erased', actorOf(principal), now)],
        outbox: [this.deps.outbox.removed(tombstone, 'lead.erased')],
      });
    }
    return tombstone;
  }

  private async editable(
    tenantId: string,
    leadId: string,
    principal: Principal | undefined,
  ): Promise<LeadRecord> {
    const lead = await this.visible(tenantId, leadId, principal);
    assertLive(lead, 'changed');
    if (
      !hasPermission(principal, 'leads:update-all') &&
      lead.ownerId &&
      lead.ownerId !== principal?.subject
    )
      throw notFound('Lead');
    return lead;
  }

  /**
   * The de-duplication claims naming the lead, among those its e-mails may have made: a lead
   * stored before leads recorded their claims holds one without saying so, and kept the claim of
   * an e-mail it changed.
   */
  private claimsHeldBy(lead: LeadRecord, pastEmails: string[] = []): Promise<string[]> {
    return this.deps.leads.claimsOf(
      lead.tenantId,
      lead.leadId,
      possibleClaims(lead, [lead.fields.email, ...pastEmails]),
    );
  }

  private async assertMember(tenantId: string, memberId: string, field: string): Promise<void> {
    if (!(await this.deps.tenants.isMember(tenantId, memberId))) {
      throw new AppError('validation_failed', 'The owner is not a member of this tenant', {
        errors: [{ field, message: 'is not a member of this tenant' }],
      });
    }
  }

  /**
   * Runs a change the server derives from the lead as it is now (no If-Match from the client):
   * when another change wins the race, it is read and made again; a lead that keeps changing is
   * a 409.
   */
  private async changeLatest<T>(change: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await change();
      } catch (error) {
        const stale = error instanceof AppError && error.code === 'precondition_failed';
        if (!stale) throw error;
        if (attempt >= MAX_CHANGE_ATTEMPTS)
          throw new AppError('conflict', 'The lead kept changing meanwhile; try again', {
            cause: error,
          });
      }
    }
  }

  private async commit(principal: Principal | undefined, change: LeadWrite): Promise<void> {
    try {
      await this.deps.leads.write(change);
    } catch (error) {
      if (!(error instanceof EmailTaken)) throw error;
      if (await this.mayTakeOverClaim(change, error.leadId))
        return this.commit(principal, { ...change, takeOverClaimOf: error.leadId });
      const named = await this.mayName(change.lead.tenantId, error.leadId, principal);
      throw new AppError(
        'conflict',
        `Another lead${named ? ` (${error.leadId})` : ''} has this e-mail`,
        { cause: error, ...(named ? { leadId: error.leadId } : {}) },
      );
    }
    this.deps.committed();
  }

  /**
   * Whether the claim the change wants may be taken from the lead it names, once: an erasure
   * before erasures released every claim left some naming the erased lead.
   */
  /**
   * Whether a conflict may name the other lead: only to a caller who may see every lead, and
   * that lead too (a deleted one is hidden from all but admins).
   */
  private async mayName(
    tenantId: string,
    leadId: string,
    principal: Principal | undefined,
  ): Promise<boolean> {
    if (!hasPermission(principal, 'leads:read-all')) return false;
    const other = await this.deps.leads.get(tenantId, leadId);
    return other !== undefined && this.canSee(other, principal);
  }

  private async mayTakeOverClaim(change: LeadWrite, owner: string): Promise<boolean> {
    if (!change.claimEmail || change.takeOverClaimOf) return false;
    return isStaleClaim(await this.deps.leads.get(change.lead.tenantId, owner), change.claimEmail);
  }
}
