import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type CrmConnectionItem } from '@leadflow/contracts';
import {
  updateVersioned,
  withoutKeys,
  queryPrefixPage,
  type DynamoDBDocumentClient,
} from '@leadflow/core';

export type ConnectionChanges = Partial<
  Pick<CrmConnectionItem, 'name' | 'enabled' | 'fieldMapping'>
> & { baseUrl?: string | null };

export class CrmConnectionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(connection: CrmConnectionItem): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...tenantKeys.crmConnection(connection.tenantId, connection.connectionId),
          ...connection,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(tenantId: string, connectionId: string): Promise<CrmConnectionItem | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.crmConnection(tenantId, connectionId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys<CrmConnectionItem>(result.Item) : undefined;
  }

  list(tenantId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<CrmConnectionItem>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'CRM#',
      limit,
      cursor,
    });
  }

  update(
    tenantId: string,
    connectionId: string,
    expectedVersion: number,
    changes: ConnectionChanges,
  ): Promise<CrmConnectionItem> {
    return updateVersioned(this.db, {
      table: this.table,
      key: tenantKeys.crmConnection(tenantId, connectionId),
      expectedVersion,
      changes,
      resource: 'CRM connection',
    });
  }

  async delete(tenantId: string, connectionId: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: tenantKeys.crmConnection(tenantId, connectionId),
      }),
    );
  }
}
