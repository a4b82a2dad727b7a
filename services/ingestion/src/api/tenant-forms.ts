import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys } from '@leadflow/contracts';
import type { DynamoDBDocumentClient, TtlCache } from '@leadflow/core';
import { configCache, type ConfigCacheOptions } from '../pipeline/config-cache';

/**
 * Which forms a tenant has, draft or published: a server-to-server lead may only be attributed
 * to one of them, or its leads would be filed under a form the tenant cannot see or assign.
 */
export class TenantForms {
  private readonly cache: TtlCache<true>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: ConfigCacheOptions,
  ) {
    this.cache = configCache('tenant form', (key) => this.exists(key), options);
  }

  /** The ids among `formIds` that are not forms of the tenant. */
  async unknownOf(tenantId: string, formIds: Iterable<string>): Promise<Set<string>> {
    const distinct = [...new Set(formIds)];
    const found = await Promise.all(
      distinct.map((formId) => this.cache.get(`${tenantId}/${formId}`)),
    );
    return new Set(distinct.filter((_, i) => found[i] === undefined));
  }

  private async exists(key: string): Promise<true | undefined> {
    const [tenantId, formId] = key.split('/') as [string, string];
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.form(tenantId, formId),
        ProjectionExpression: 'PK',
      }),
    );
    return result.Item ? true : undefined;
  }
}
