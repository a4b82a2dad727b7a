import type { CrmConnectionItem } from '@leadflow/contracts';
import { RetryLater, type Logger } from '@leadflow/core';
import type { ConnectionRepository } from '../connections/connection.repository';
import type { SyncOutcome } from './connection-lane';
import type { SyncDispatcher } from './dispatcher';
import type { SyncStatusRepository } from './sync-status.repository';
import { toSyncItem, type LeadEvent } from './sync-event';

export interface SyncServiceDeps {
  connections: Pick<ConnectionRepository, 'enabled' | 'all'>;
  dispatcher: Pick<SyncDispatcher, 'submit'>;
  statuses: Pick<SyncStatusRepository, 'recordUnchanged' | 'connectionsOf'>;
  logger: Logger;
  /** Backoff after a CRM outage: receiveCount → seconds. */
  retryDelaySeconds: (receiveCount: number) => number;
  /**
   * How long a deletion waits for an older version still on its way to a CRM: as long as that
   * version itself may wait for its CRM.
   */
  maxWaitMs: number;
}

/** A deletion waiting for an older version looks again after as long as it waited, 2 s to 5 min. */
export function deletionRecheckSeconds(waitedMs: number): number {
  return Math.min(300, Math.max(2, Math.floor(waitedMs / 1000)));
}

/** Done for every connection, or waiting this long for a CRM (nothing failed). */
export type SyncResult = { kind: 'done' } | { kind: 'deferred'; delaySeconds: number };

type Retry = Extract<SyncOutcome, { kind: 'retry' }>;
type Deferral = Extract<SyncOutcome, { kind: 'deferred' }>;

/**
 * One lead change to every enabled connection of its tenant (an erasure also to paused ones the
 * lead reached). It resolves when each connection's result is recorded on the lead; it throws
 * RetryLater when any connection failed and must try again — the ones already synced skip the
 * change when it comes back. When connections only wait (for their CRM's rate limit, a slow CRM,
 * another attempt's hold), it answers how long.
 */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  async sync(event: LeadEvent, receiveCount: number): Promise<SyncResult> {
    const connections = await this.connectionsFor(event);
    if (event.detailType === 'lead.deleted') return this.recordDeletion(event, connections);
    const outcomes: SyncOutcome[] = await Promise.all(
      connections.map((connection) =>
        this.deps.dispatcher.submit(
          connection,
          toSyncItem(event),
          receiveCount,
          event.waitingSince,
        ),
      ),
    );
    const retries = outcomes.filter((outcome): outcome is Retry => outcome.kind === 'retry');
    const deferrals = outcomes.filter(
      (outcome): outcome is Deferral => outcome.kind === 'deferred',
    );
    const waitSeconds = Math.max(0, ...deferrals.map((d) => d.delaySeconds));
    if (retries.length > 0) {
      const notBefore = Math.max(waitSeconds, ...retries.map((r) => r.delaySeconds ?? 0));
      const delay = Math.max(this.deps.retryDelaySeconds(receiveCount), notBefore);
      const reasons = [...new Set([...retries, ...deferrals].map((r) => r.error))].join('; ');
      throw new RetryLater(delay, `retry in ${delay}s: ${reasons}`);
    }
    return deferrals.length > 0
      ? { kind: 'deferred', delaySeconds: waitSeconds }
      : { kind: 'done' };
  }

  /**
   * An erasure goes to paused connections too, those the lead reached: what a CRM holds of the
   * person must go, whether or not the tenant syncs to it now. One that never got the lead has
   * nothing to erase, and may be paused because it is down.
   */
  private async connectionsFor(event: LeadEvent): Promise<CrmConnectionItem[]> {
    const { tenantId, leadId } = event.detail;
    if (event.detailType !== 'lead.erased') return this.deps.connections.enabled(tenantId);
    const all = await this.deps.connections.all(tenantId);
    if (all.every((connection) => connection.enabled)) return all;
    const reached = await this.deps.statuses.connectionsOf(tenantId, leadId);
    return all.filter((c) => c.enabled || reached.has(c.connectionId));
  }

  /**
   * A soft deletion changes nothing a CRM holds; recorded as reached, it keeps the versions a
   * CRM got unbroken, so the restore that may follow sends only its own changes. Otherwise the
   * gap would make it send every mapped field and empty the CRM values the lead never had. A
   * deletion right after an edit still on its way to the CRM waits for it to land.
   */
  private async recordDeletion(
    { detail, waitingSince }: Extract<LeadEvent, { detailType: 'lead.deleted' }>,
    connections: CrmConnectionItem[],
  ): Promise<SyncResult> {
    const { tenantId, leadId, version } = detail;
    const outcomes = await Promise.all(
      connections.map((connection) =>
        this.deps.statuses.recordUnchanged(tenantId, leadId, connection.connectionId, version),
      ),
    );
    if (!outcomes.includes('wait')) return { kind: 'done' };
    const waitedMs = Date.now() - (waitingSince ?? Date.now());
    if (waitedMs < this.deps.maxWaitMs)
      return { kind: 'deferred', delaySeconds: deletionRecheckSeconds(waitedMs) };
    this.deps.logger.warn(
      { leadId, version, waitedMs },
      'a deletion waited too long for an older version to reach the CRM; a restore will send every field',
    );
    return { kind: 'done' };
  }
}
