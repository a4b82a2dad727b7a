import type { TenantSettings } from '@leadflow/contracts';
import { dedupeEmailKey } from '@leadflow/forms';
import type { LeadRecord } from './lead.record';
import type { LeadWrite } from './lead.repository';

/** The de-duplication key an e-mail claims under the tenant's rules, if they merge duplicates. */
export function dedupeKeyOf(
  settings: TenantSettings,
  email: string | undefined,
): string | undefined {
  return settings.dedupe.mode === 'merge' && email
    ? dedupeEmailKey(email, settings.dedupe.ignorePlusTag)
    : undefined;
}

/**
 * Every key the e-mails may have claimed, besides the claim recorded: the tenant's rules change,
 * and a lead stored before leads recorded their claims does not say which one it holds.
 */
export function possibleClaims(emails: Array<string | undefined>, recorded?: string): string[] {
  const keys = emails.flatMap((email) =>
    email ? [dedupeEmailKey(email, false), dedupeEmailKey(email, true)] : [],
  );
  return [...new Set(recorded ? [recorded, ...keys] : keys)];
}

/**
 * Whether the lead holds the claim it was found by. A lead stored before leads recorded their
 * claims is taken at the claim's word: it was found through it.
 */
export function holdsClaim(lead: LeadRecord, dedupeKey: string | undefined): boolean {
  return lead.emailClaim === undefined || lead.emailClaim === dedupeKey;
}

/** A claim naming a lead that is gone, erased or holds another claim: it may be taken over. */
export function isStaleClaim(owner: LeadRecord | undefined, dedupeKey: string): boolean {
  return !owner || owner.erasedAt !== undefined || !holdsClaim(owner, dedupeKey);
}

/**
 * The lead as written, with the e-mail claim it should hold: with de-duplication on, an e-mail
 * belongs to one lead. What is released are the claims the lead holds (`held`, as found in the
 * table), whatever the tenant's rules make of its e-mail now.
 */
export function withEmailClaim(
  settings: TenantSettings,
  next: LeadRecord,
  held: readonly string[] = [],
): Pick<LeadWrite, 'lead' | 'claimEmail' | 'releaseEmails'> {
  const wanted = dedupeKeyOf(settings, next.fields.email);
  const { emailClaim: _recorded, ...unclaimed } = next;
  const lead: LeadRecord = wanted ? { ...unclaimed, emailClaim: wanted } : unclaimed;
  const released = held.filter((key) => key !== wanted);
  return {
    lead,
    ...(wanted && !held.includes(wanted) ? { claimEmail: wanted } : {}),
    ...(released.length > 0 ? { releaseEmails: released } : {}),
  };
}
