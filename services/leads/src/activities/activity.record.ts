import { ulid } from 'ulid';
import type { CustomValues, LeadContext, LeadFields } from '@leadflow/contracts';
import type { Principal } from '@leadflow/core';

export type ActivityType =
  | 'created'
  | 'merged'
  | 'updated'
  | 'assigned'
  | 'note-added'
  | 'deleted'
  | 'restored'
  | 'erased'
  | 'resync-requested';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Actor {
  kind: 'user' | 'apiKey' | 'system';
  id?: string;
}

/** One entry of a lead's timeline: who did what, when, which fields from what to what. */
export interface ActivityRecord {
  activityId: string;
  type: ActivityType;
  actor: Actor;
  at: string;
  changes?: FieldChange[];
  noteId?: string;
  /** A merged submission: where it came from (its source, form and event) and what it said. */
  submission?: MergedSubmission;
}

export interface MergedSubmission {
  source: string;
  formId?: string;
  eventId: string;
  /** What the person sent this time, also where the lead kept its own values (until erased). */
  fields?: LeadFields;
  custom?: CustomValues;
  context?: Pick<LeadContext, 'utm' | 'pageUrl' | 'referrer'>;
}

export const SYSTEM: Actor = { kind: 'system' };

export function actorOf(principal: Principal | undefined): Actor {
  return principal ? { kind: principal.kind, id: principal.subject } : SYSTEM;
}

export function activity(
  type: ActivityType,
  actor: Actor,
  at: string,
  extra: Partial<ActivityRecord> = {},
): ActivityRecord {
  return { activityId: ulid(Date.parse(at)), type, actor, at, ...extra };
}
