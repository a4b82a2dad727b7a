import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyLookupKey } from '@leadflow/auth';
import { tenantKeys } from '@leadflow/contracts';
import {
  withoutKeys,
  queryPrefixPage,
  type DynamoDBDocumentClient,
  transactWrite,
} from '@leadflow/core';

export interface ApiKeyRecord {
  keyId: string;
  name: string;
  prefix: string;
  hash: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** A key is two items: its record under the tenant, and the lookup from its hash that ingestion reads. */
export class ApiKeyRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(tenantId: string, record: ApiKeyRecord): Promise<void> {
    await transactWrite(this.db, [
      {
        Put: {
          TableName: this.table,
          Item: { ...tenantKeys.apiKey(tenantId, record.keyId), ...record },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...apiKeyLookupKey(record.hash), tenantId, keyId: record.keyId },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ]);
  }

  async get(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.apiKey(tenantId, keyId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys<ApiKeyRecord>(result.Item) : undefined;
  }

  list(tenantId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<ApiKeyRecord>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'APIKEY#',
      limit,
      cursor,
      newestFirst: true,
    });
  }

  async revoke(tenantId: string, record: ApiKeyRecord, revokedAt: string): Promise<void> {
    await transactWrite(this.db, [
      {
        Update: {
          TableName: this.table,
          Key: tenantKeys.apiKey(tenantId, record.keyId),
          UpdateExpression: 'SET revokedAt = :at',
          ExpressionAttributeValues: { ':at': revokedAt },
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: apiKeyLookupKey(record.hash),
          UpdateExpression: 'SET revokedAt = :at',
          ExpressionAttributeValues: { ':at': revokedAt },
        },
      },
    ]);
  }
}
