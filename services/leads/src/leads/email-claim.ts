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
 * The lead as written, with the e-mail claim it should hold: with de-duplication on, an e-mail
 * belongs to one lead. A changed e-mail moves the claim and erasure gives it up. What is
 * released is the claim the lead holds, whatever the tenant's rules make of its e-mail now.
 */
export function withEmailClaim(
  settings: TenantSettings,
  previous: LeadRecord | undefined,
  next: LeadRecord,
): Pick<LeadWrite, 'lead' | 'claimEmail' | 'releaseEmail'> {
  if (previous && previous.fields.email === next.fields.email) return { lead: next };
  const held = previous?.emailClaim;
  const wanted = dedupeKeyOf(settings, next.fields.email);
  const { emailClaim: _held, ...unclaimed } = next;
  const lead: LeadRecord = wanted ? { ...unclaimed, emailClaim: wanted } : unclaimed;
  if (wanted === held) return { lead };
  return {
    lead,
    ...(wanted ? { claimEmail: wanted } : {}),
    ...(held ? { releaseEmail: held } : {}),
  };
}
