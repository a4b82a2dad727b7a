import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type TenantSettings } from '@leadflow/contracts';
import { AppError, type DynamoDBDocumentClient } from '@leadflow/core';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * What the leads service reads of tenant-config's data: a tenant's settings (lead schema,
 * pipeline, de-duplication, assignment) and whether someone is a member. Cached briefly:
 * a change in tenant-config takes effect within `cacheMs`.
 */
export class TenantDirectory {
  private readonly settings = new Map<string, Cached<TenantSettings>>();
  private readonly members = new Map<string, Cached<boolean>>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cacheMs: number,
  ) {}

  async settingsOf(tenantId: string): Promise<TenantSettings> {
    const cached = this.settings.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.value;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.tenant(tenantId) }),
    );
    if (!Item) throw new AppError('not_found', `Tenant ${tenantId} not found`);
    const value = Item as TenantSettings;
    this.settings.set(tenantId, { value, until: Date.now() + this.cacheMs });
    return value;
  }

  async isMember(tenantId: string, memberId: string): Promise<boolean> {
    const key = `${tenantId}/${memberId}`;
    const cached = this.members.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.member(tenantId, memberId) }),
    );
    this.members.set(key, { value: Item !== undefined, until: Date.now() + this.cacheMs });
    return Item !== undefined;
  }
}
