import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys } from '@leadflow/contracts';
import {
  AppError,
  queryPrefixPage,
  staleVersion,
  withoutKeys,
  type DynamoDBDocumentClient,
  type Role,
  transactWrite,
  failedConditions,
  type TransactItem,
} from '@leadflow/core';

export interface MemberRecord {
  memberId: string;
  /** The user's name in the user pool. */
  username: string;
  email: string;
  role: Role;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const lastAdmin = () =>
  new AppError('conflict', 'The last admin of a tenant cannot be removed or lose the admin role');

/**
 * Members, and the tenant's admin count beside them: every change that could leave a tenant
 * without an admin is one transaction conditioned on that count.
 */
export class MemberRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private adminCountChange(tenantId: string, delta: 1 | -1) {
    return {
      Update: {
        TableName: this.table,
        Key: tenantKeys.tenant(tenantId),
        UpdateExpression: 'ADD adminCount :delta',
        ConditionExpression: delta > 0 ? 'attribute_exists(PK)' : 'adminCount > :one',
        ExpressionAttributeValues: delta > 0 ? { ':delta': delta } : { ':delta': delta, ':one': 1 },
      },
    };
  }

  async add(tenantId: string, member: MemberRecord): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...tenantKeys.member(tenantId, member.memberId), ...member },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ];
    if (member.role === 'admin') items.push(this.adminCountChange(tenantId, 1));
    try {
      await transactWrite(this.db, items);
    } catch (error) {
      if (failedConditions(error)?.includes(0))
        throw new AppError('conflict', 'This user is already a member', { cause: error });
      throw error;
    }
  }

  async get(tenantId: string, memberId: string): Promise<MemberRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.member(tenantId, memberId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys<MemberRecord>(result.Item) : undefined;
  }

  list(tenantId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<MemberRecord>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'MEMBER#',
      limit,
      cursor,
    });
  }

  async changeRole(
    tenantId: string,
    member: MemberRecord,
    expectedVersion: number,
    role: Role,
  ): Promise<MemberRecord> {
    const now = new Date().toISOString();
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: tenantKeys.member(tenantId, member.memberId),
          UpdateExpression: 'SET #role = :role, updatedAt = :now ADD version :one',
          ConditionExpression: 'version = :expected AND #role = :oldRole',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: {
            ':role': role,
            ':now': now,
            ':one': 1,
            ':expected': expectedVersion,
            ':oldRole': member.role,
          },
        },
      },
    ];
    if (member.role === 'admin' && role !== 'admin')
      items.push(this.adminCountChange(tenantId, -1));
    if (member.role !== 'admin' && role === 'admin') items.push(this.adminCountChange(tenantId, 1));
    try {
      await transactWrite(this.db, items);
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.includes(0)) throw staleVersion();
      if (failed?.includes(1)) throw lastAdmin();
      throw error;
    }
    return { ...member, role, version: member.version + 1, updatedAt: now };
  }

  async remove(tenantId: string, member: MemberRecord): Promise<void> {
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: this.table,
          Key: tenantKeys.member(tenantId, member.memberId),
          ConditionExpression: '#role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': member.role },
        },
      },
    ];
    if (member.role === 'admin') items.push(this.adminCountChange(tenantId, -1));
    try {
      await transactWrite(this.db, items);
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.includes(0))
        throw new AppError('conflict', 'The member changed meanwhile; try again', { cause: error });
      if (failed?.includes(1)) throw lastAdmin();
      throw error;
    }
  }

  /**
   * 409 when removing this member would leave the tenant without an admin, as far as can be
   * told before the removal (the removal's own transaction decides under concurrent changes).
   */
  async assertRemovable(tenantId: string, member: MemberRecord): Promise<void> {
    if (member.role !== 'admin') return;
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.tenant(tenantId),
        ProjectionExpression: 'adminCount',
        ConsistentRead: true,
      }),
    );
    if (Number(Item?.adminCount ?? 0) <= 1) throw lastAdmin();
  }

  /** Members among `memberIds` that do not exist in the tenant. */
  async missing(tenantId: string, memberIds: string[]): Promise<string[]> {
    const results = await Promise.all(
      memberIds.map(async (id) => ((await this.get(tenantId, id)) ? undefined : id)),
    );
    return results.filter((id): id is string => id !== undefined);
  }
}
