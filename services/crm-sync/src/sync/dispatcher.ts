import type { CrmConnectionItem } from '@leadflow/contracts';
import type { Connector, SyncItem } from '../connectors/connector';
import { ConnectionLane, type LaneDeps, type SyncOutcome } from './connection-lane';

export type DispatcherDeps = Omit<LaneDeps, 'connector'> & {
  connectors: Record<string, Connector>;
};

/** Lanes unused this long are dropped (their rate-limit state with them). */
const IDLE_LANE_MS = 10 * 60_000;

/** One lane per connection, created on first use: tenants and connections never share one. */
export class SyncDispatcher {
  private readonly lanes = new Map<string, ConnectionLane>();
  private sweptAt = Date.now();

  constructor(private readonly deps: DispatcherDeps) {}

  submit(
    connection: CrmConnectionItem,
    item: SyncItem,
    receiveCount: number,
    waitingSince?: number,
  ): Promise<SyncOutcome> {
    const key = `${connection.tenantId}/${connection.connectionId}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const connector = this.deps.connectors[connection.type];
      if (!connector) throw new Error(`no connector for CRM type ${connection.type}`);
      lane = new ConnectionLane(connection, { ...this.deps, connector });
      this.lanes.set(key, lane);
    }
    this.sweep();
    return lane.submit(connection, item, receiveCount, waitingSince);
  }

  /** SIGTERM: every lane sends what it holds now. */
  drain(): void {
    for (const lane of this.lanes.values()) lane.drain();
  }

  private sweep(): void {
    const now = Date.now();
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, lane] of this.lanes)
      if (lane.idle && now - lane.lastUsedAt > IDLE_LANE_MS) this.lanes.delete(key);
  }
}
