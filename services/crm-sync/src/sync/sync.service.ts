import { RetryLater, type Logger } from '@leadflow/core';
import type { ConnectionRepository } from '../connections/connection.repository';
import type { SyncOutcome } from './connection-lane';
import type { SyncDispatcher } from './dispatcher';
import { toSyncItem, type LeadEvent } from './sync-event';

export interface SyncServiceDeps {
  connections: ConnectionRepository;
  dispatcher: SyncDispatcher;
  logger: Logger;
  /** Backoff after a CRM outage: receiveCount → seconds. */
  retryDelaySeconds: (receiveCount: number) => number;
}

/**
 * One lead change to every enabled connection of its tenant. It resolves when each
 * connection's result is recorded on the lead; it throws RetryLater when any connection must
 * try again — the ones already synced skip the change when it comes back.
 */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  async sync(event: LeadEvent, receiveCount: number): Promise<void> {
    const connections = await this.deps.connections.enabled(event.detail.tenantId);
    if (connections.length === 0) return;
    const outcomes: SyncOutcome[] = await Promise.all(
      connections.map((connection) =>
        this.deps.dispatcher.submit(connection, toSyncItem(event), receiveCount),
      ),
    );
    const retries = outcomes.filter(
      (outcome): outcome is Extract<SyncOutcome, { kind: 'retry' }> => outcome.kind === 'retry',
    );
    if (retries.length === 0) return;
    const backoff = this.deps.retryDelaySeconds(receiveCount);
    const delay = Math.max(...retries.map((r) => r.delaySeconds ?? backoff));
    const reasons = [...new Set(retries.map((r) => r.error))].join('; ');
    throw new RetryLater(delay, `retry in ${delay}s: ${reasons}`);
  }
}
