import {
  EVENT_SOURCES,
  LeadChangedSchema,
  LeadRemovedSchema,
  type DeliveredEvent,
  type LeadChanged,
  type LeadRemoved,
} from '@leadflow/contracts';
import { assertValid, isAppError } from '@leadflow/core';
import type { SyncItem } from '../connectors/connector';

export type LeadEvent = (
  | { detailType: 'lead.created' | 'lead.updated'; detail: LeadChanged }
  | { detailType: 'lead.erased'; detail: LeadRemoved }
  | { detailType: 'lead.deleted'; detail: LeadRemoved }
) & {
  /** When the change first went back to the queue to wait for a CRM's rate limit (epoch ms). */
  waitingSince?: number;
};

/**
 * Added to the body of a change re-sent to wait for a rate limit: each re-sent copy starts its
 * receive count afresh, so only this tells how long the change has been waiting.
 */
const WAITING_SINCE = 'crm-sync-waiting-since';

type QueuedEvent = DeliveredEvent<unknown> & { [WAITING_SINCE]?: unknown };

/** The body to re-send a change with, keeping when its waiting began. */
export function withWaitingSince(body: string, since: number): string {
  return JSON.stringify({
    ...(JSON.parse(body) as QueuedEvent),
    [WAITING_SINCE]: new Date(since).toISOString(),
  });
}

/**
 * The body a change is redriven with: its wait starts afresh, or one that went to the DLQ for
 * waiting too long would count each new wait as a failed attempt at once. A body that is not
 * an object is moved as it is, to fail as before.
 */
export function withoutWaitingSince(body: string): string {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return body;
  }
  if (event === null || typeof event !== 'object' || !Object.hasOwn(event, WAITING_SINCE))
    return body;
  const { [WAITING_SINCE]: _since, ...rest } = event as QueuedEvent;
  return JSON.stringify(rest);
}

function waitingSinceOf(event: QueuedEvent): { waitingSince?: number } {
  const since = Date.parse(String(event[WAITING_SINCE]));
  return Number.isFinite(since) ? { waitingSince: since } : {};
}

/** A message that can never be handled: it is retried quickly and ends in the DLQ. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

function describe(error: unknown): string {
  if (isAppError(error) && error.errors)
    return error.errors.map((e) => `${e.field} ${e.message}`).join('; ');
  return error instanceof Error ? error.message : String(error);
}

const removedDetail = (event: QueuedEvent) =>
  assertValid<LeadRemoved>(LeadRemovedSchema, event.detail, { prefix: 'detail' });

/** An EventBridge event as the crm-sync queue delivers it, checked against the contracts. */
export function parseLeadEvent(body: string): LeadEvent {
  let event: QueuedEvent;
  try {
    event = JSON.parse(body) as QueuedEvent;
  } catch (error) {
    throw new PoisonMessageError('the message is not JSON', { cause: error });
  }
  if (!event || typeof event !== 'object')
    throw new PoisonMessageError('the message is not an event');
  if (event.source !== EVENT_SOURCES.leads)
    throw new PoisonMessageError(`unexpected source ${String(event.source)}`);
  const detailType = event['detail-type'];
  try {
    if (detailType === 'lead.created' || detailType === 'lead.updated') {
      const detail = assertValid<LeadChanged>(LeadChangedSchema, event.detail, {
        prefix: 'detail',
      });
      if (detail.lead.id !== detail.leadId || detail.lead.version !== detail.version)
        throw new PoisonMessageError('the snapshot is not of the lead version the event names');
      return { detailType, detail, ...waitingSinceOf(event) };
    }
    if (detailType === 'lead.erased')
      return { detailType, detail: removedDetail(event), ...waitingSinceOf(event) };
    if (detailType === 'lead.deleted')
      return { detailType, detail: removedDetail(event), ...waitingSinceOf(event) };
  } catch (error) {
    if (error instanceof PoisonMessageError) throw error;
    throw new PoisonMessageError(`${detailType} does not match its schema: ${describe(error)}`, {
      cause: error,
    });
  }
  throw new PoisonMessageError(`unexpected detail-type ${String(detailType)}`);
}

/**
 * The change as connectors see it; `previous` is filled per connection at batch time. A (soft)
 * deletion changes nothing in a CRM: it is only recorded (SyncService), never sent.
 */
export function toSyncItem(event: LeadEvent): SyncItem {
  if (event.detailType === 'lead.deleted')
    throw new Error('a deletion is recorded on the sync status, not sent to a CRM');
  const { detail } = event;
  return {
    leadId: detail.leadId,
    version: detail.version,
    eventId: detail.eventId,
    detailType: event.detailType,
    occurredAt: detail.occurredAt,
    changedFields: event.detailType === 'lead.erased' ? [] : event.detail.changedFields,
    ...(event.detailType === 'lead.erased' ? {} : { lead: event.detail.lead }),
  };
}
