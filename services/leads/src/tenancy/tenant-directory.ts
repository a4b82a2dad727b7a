import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { isRole, type Role } from '@leadflow/auth';
import { tenantKeys, type TenantSettings } from '@leadflow/contracts';
import { AppError, TtlCache, type DynamoDBDocumentClient } from '@leadflow/core';

/** JSON, so that no member id, whatever it holds, reads as another tenant's or member's. */
const membershipKey = (tenantId: string, memberId: string) => JSON.stringify([tenantId, memberId]);

/**
 * What the leads service reads of tenant-config's data: a tenant's settings (lead schema,
 * pipeline, de-duplication, assignment) and the role of a member. Cached briefly: a change in
 * tenant-config, a member's removal too, takes effect within `cacheMs`.
 */
export class TenantDirectory {
  private readonly settings: TtlCache<TenantSettings>;
  /** A member's role, by membershipKey; someone not found is read again next time. */
  private readonly members: TtlCache<Role>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    cacheMs: number,
  ) {
    // A tenant not found is read again next time: it may just have been created.
    this.settings = new TtlCache({
      load: (tenantId) => this.readSettings(tenantId),
      ttlMs: cacheMs,
      missTtlMs: 0,
    });
    this.members = new TtlCache({
      load: (key) => this.readMembership(key),
      ttlMs: cacheMs,
      missTtlMs: 0,
    });
  }

  async settingsOf(tenantId: string): Promise<TenantSettings> {
    const settings = await this.settings.get(tenantId);
    if (!settings) throw new AppError('not_found', `Tenant ${tenantId} not found`);
    return settings;
  }

  async isMember(tenantId: string, memberId: string): Promise<boolean> {
    return (await this.roleOf(tenantId, memberId)) !== undefined;
  }

  /** The member's role in the tenant's member list; none for someone who is not a member. */
  async rolesOf(tenantId: string, memberId: string): Promise<Role[]> {
    const role = await this.roleOf(tenantId, memberId);
    return role ? [role] : [];
  }

  private roleOf(tenantId: string, memberId: string): Promise<Role | undefined> {
    return this.members.get(membershipKey(tenantId, memberId));
  }

  private async readSettings(tenantId: string): Promise<TenantSettings | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.tenant(tenantId) }),
    );
    return Item as TenantSettings | undefined;
  }

  private async readMembership(key: string): Promise<Role | undefined> {
    const [tenantId, memberId] = JSON.parse(key) as [string, string];
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.member(tenantId, memberId) }),
    );
    return isRole(Item?.role) ? Item.role : undefined;
  }
}
