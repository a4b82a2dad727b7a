import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type TenantSettings } from '@leadflow/contracts';
import {
  AppError,
  updateVersioned,
  withoutKeys,
  type DynamoDBDocumentClient,
  transactWrite,
  failedConditions,
} from '@leadflow/core';

export type TenantChanges = Partial<
  Pick<
    TenantSettings,
    | 'name'
    | 'defaultCountry'
    | 'timezone'
    | 'branding'
    | 'customFields'
    | 'pipeline'
    | 'dedupe'
    | 'assignment'
  >
>;

export class TenantRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Claims the slug and writes the tenant in one transaction: a slug is never taken twice. */
  async create(tenant: TenantSettings): Promise<void> {
    try {
      await transactWrite(this.db, [
        {
          Put: {
            TableName: this.table,
            Item: { ...tenantKeys.slug(tenant.slug), tenantId: tenant.tenantId },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: { ...tenantKeys.tenant(tenant.tenantId), ...tenant },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ]);
    } catch (error) {
      if (failedConditions(error)?.length)
        throw new AppError('conflict', `The slug ${tenant.slug} is taken`, { cause: error });
      throw error;
    }
  }

  /** Deletes a tenant just created, and frees its slug, while it has no member yet. */
  async undoCreate(tenant: TenantSettings): Promise<void> {
    await transactWrite(this.db, [
      {
        Delete: {
          TableName: this.table,
          Key: tenantKeys.slug(tenant.slug),
          ConditionExpression: 'tenantId = :tenantId',
          ExpressionAttributeValues: { ':tenantId': tenant.tenantId },
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: tenantKeys.tenant(tenant.tenantId),
          ConditionExpression: 'adminCount = :none',
          ExpressionAttributeValues: { ':none': 0 },
        },
      },
    ]);
  }

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.tenant(tenantId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys(result.Item) : undefined;
  }

  /** Applies the changes if the stored version is still `expectedVersion`. */
  update(
    tenantId: string,
    expectedVersion: number,
    changes: TenantChanges,
  ): Promise<TenantSettings> {
    return updateVersioned(this.db, {
      table: this.table,
      key: tenantKeys.tenant(tenantId),
      expectedVersion,
      changes,
      resource: 'Tenant',
    });
  }
}
