import { tenantKeys, type CrmConnectionItem } from '@leadflow/contracts';
import { queryPrefixAll, TtlCache, type DynamoDBDocumentClient } from '@leadflow/core';

/**
 * A tenant's CRM connections (the CRM# items tenant-config writes), read with one Query and
 * reused for a few seconds: a burst of leads of one tenant costs one read, and a connection
 * disabled in tenant-config stops receiving within `cacheMs`.
 */
export class ConnectionRepository {
  private readonly cache: TtlCache<CrmConnectionItem[]>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    cacheMs: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache({
      load: (tenantId) => this.query(tenantId),
      ttlMs: cacheMs,
      missTtlMs: cacheMs,
      now,
    });
  }

  async enabled(tenantId: string): Promise<CrmConnectionItem[]> {
    return (await this.all(tenantId)).filter((connection) => connection.enabled);
  }

  /** Paused ones too. */
  async all(tenantId: string): Promise<CrmConnectionItem[]> {
    return (await this.cache.get(tenantId)) ?? [];
  }

  private async query(tenantId: string): Promise<CrmConnectionItem[]> {
    const connections = await queryPrefixAll<CrmConnectionItem>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'CRM#',
    });
    // The partition is the tenant's; an item claiming another tenant is not trusted.
    return connections.filter((connection) => connection.tenantId === tenantId);
  }
}
