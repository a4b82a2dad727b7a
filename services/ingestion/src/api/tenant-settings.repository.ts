import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type TenantSettings } from '@leadflow/contracts';
import { withoutKeys, type DynamoDBDocumentClient } from '@leadflow/core';

/** The TENANT item tenant-config owns; ingestion reads its custom fields and default country. */
export class TenantSettingsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.tenant(tenantId) }),
    );
    return result.Item ? withoutKeys<TenantSettings>(result.Item) : undefined;
  }
}
