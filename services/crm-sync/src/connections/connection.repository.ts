import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type CrmConnectionItem } from '@leadflow/contracts';
import { withoutKeys, type DynamoDBDocumentClient } from '@leadflow/core';

interface Cached {
  at: number;
  connections: Promise<CrmConnectionItem[]>;
}

/**
 * A tenant's CRM connections (the CRM# items tenant-config writes), read with one Query and
 * reused for a few seconds: a burst of leads of one tenant costs one read, and a connection
 * disabled in tenant-config stops receiving within `cacheMs`.
 */
export class ConnectionRepository {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async enabled(tenantId: string): Promise<CrmConnectionItem[]> {
    return (await this.all(tenantId)).filter((connection) => connection.enabled);
  }

  private all(tenantId: string): Promise<CrmConnectionItem[]> {
    const cached = this.cache.get(tenantId);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.connections;
    const connections = this.query(tenantId);
    this.cache.set(tenantId, { at: this.now(), connections });
    // A failed read is not remembered.
    connections.catch(() => this.cache.delete(tenantId));
    if (this.cache.size > 10_000) this.evictOldest();
    return connections;
  }

  private async query(tenantId: string): Promise<CrmConnectionItem[]> {
    const items: CrmConnectionItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :crm)',
          ExpressionAttributeValues: { ':pk': tenantKeys.partition(tenantId), ':crm': 'CRM#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const connection = withoutKeys<CrmConnectionItem>(item);
        // The partition is the tenant's; an item claiming another tenant is not trusted.
        if (connection.tenantId === tenantId) items.push(connection);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private evictOldest(): void {
    const oldest = [...this.cache.entries()].sort((a, b) => a[1].at - b[1].at).slice(0, 1_000);
    for (const [tenantId] of oldest) this.cache.delete(tenantId);
  }
}
