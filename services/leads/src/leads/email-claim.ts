import type { TenantSettings } from '@leadflow/contracts';
import { dedupeEmailKey } from '@leadflow/forms';
import type { LeadRecord } from './lead.record';
import type { LeadWrite } from './lead.repository';

/**
 * Test leads claim their e-mails in a key space of their own, so a test delivery never merges
 * into a real lead nor a real submission into a test lead. Upper case because e-mail keys are
 * lower-cased: no real key can begin with it, and real keys keep the form they always had.
 */
const TEST_CLAIM_PREFIX = 'TEST#';

/** What decides the key a lead or a submission claims. */
type Claimant = Pick<LeadRecord, 'fields' | 'isTest'>;

function inKeySpace(emailKey: string, isTest: boolean): string {
  return isTest ? `${TEST_CLAIM_PREFIX}${emailKey}` : emailKey;
}

const isTestClaim = (dedupeKey: string) => dedupeKey.startsWith(TEST_CLAIM_PREFIX);

/** The de-duplication key the e-mail claims under the tenant's rules, if they merge duplicates. */
export function dedupeKeyOf(settings: TenantSettings, claimant: Claimant): string | undefined {
  const { email } = claimant.fields;
  return settings.dedupe.mode === 'merge' && email
    ? inKeySpace(dedupeEmailKey(email, settings.dedupe.ignorePlusTag), claimant.isTest)
    : undefined;
}

/**
 * Every key the lead's e-mails may have claimed, besides the claim recorded: the tenant's rules
 * change, and a lead stored before leads recorded their claims does not say which one it holds.
 * A test lead may hold a real key too: test leads claimed those before they had their own.
 */
export function possibleClaims(
  lead: Pick<LeadRecord, 'isTest' | 'emailClaim'>,
  emails: Array<string | undefined>,
): string[] {
  const keys = emails.flatMap((email) =>
    email ? [dedupeEmailKey(email, false), dedupeEmailKey(email, true)] : [],
  );
  const spaces = lead.isTest ? [false, true] : [false];
  const claims = spaces.flatMap((isTest) => keys.map((key) => inKeySpace(key, isTest)));
  return [...new Set(lead.emailClaim ? [lead.emailClaim, ...claims] : claims)];
}

/**
 * Whether the lead holds the claim it was found by. A lead stored before leads recorded their
 * claims is taken at the claim's word: it was found through it. A test lead holding a real key
 * (claimed before test leads had their own) does not hold it for real submissions.
 */
export function holdsClaim(lead: LeadRecord, dedupeKey: string): boolean {
  if ((lead.isTest === true) !== isTestClaim(dedupeKey)) return false;
  return lead.emailClaim === undefined || lead.emailClaim === dedupeKey;
}

/** A claim naming a lead that is gone, erased or holds another claim: it may be taken over. */
export function isStaleClaim(owner: LeadRecord | undefined, dedupeKey: string): boolean {
  return !owner || owner.erasedAt !== undefined || !holdsClaim(owner, dedupeKey);
}

/**
 * The lead as written, with the e-mail claim it should hold: with de-duplication on, an e-mail
 * belongs to one lead (one real lead, and one test lead). What is released are the claims the
 * lead holds (`held`, as found in the table), whatever the tenant's rules make of its e-mail now.
 */
export function withEmailClaim(
  settings: TenantSettings,
  next: LeadRecord,
  held: readonly string[] = [],
): Pick<LeadWrite, 'lead' | 'claimEmail' | 'releaseEmails'> {
  const wanted = dedupeKeyOf(settings, next);
  const { emailClaim: _recorded, ...unclaimed } = next;
  const lead: LeadRecord = wanted ? { ...unclaimed, emailClaim: wanted } : unclaimed;
  const released = held.filter((key) => key !== wanted);
  return {
    lead,
    ...(wanted && !held.includes(wanted) ? { claimEmail: wanted } : {}),
    ...(released.length > 0 ? { releaseEmails: released } : {}),
  };
}
