import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { TENANT_ROLES } from '@leadflow/auth';
import { AppError, notFound, type Logger, type Role } from '@leadflow/core';
import type { ConfigEvents } from '../shared/config-events';
import type { MemberRecord, MemberRepository } from './member.repository';
import type { Member } from './member.schema';

export interface MemberServiceDeps {
  members: MemberRepository;
  cognito: CognitoIdentityProviderClient;
  userPoolId: string;
  events: ConfigEvents;
  logger: Logger;
}

/** The groups that carry a tenant role; a user may be in other groups we leave alone. */
const ROLE_GROUPS: ReadonlySet<string> = new Set(TENANT_ROLES);

export function toMember(record: MemberRecord): Member {
  return {
    id: record.memberId,
    email: record.email,
    role: record.role as Member['role'],
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const MAX_GROUP_MATCHES = 3;

/** Members live in two places: the user pool (identity, tenant, group) and the tenants table (role, admin count). */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  async invite(tenantId: string, email: string, role: Role): Promise<Member> {
    const created = await this.createUser(tenantId, email).catch(async (error: unknown) => {
      if (!(error instanceof Error && error.name === 'UsernameExistsException')) throw error;
      if (!(await this.deleteLeftover(email)))
        throw new AppError('conflict', 'A user with this e-mail already exists', { cause: error });
      return this.createUser(tenantId, email);
    });
    const { cognito, userPoolId } = this.deps;
    const username = created.User?.Username ?? email;
    const memberId = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? username;
    const now = new Date().toISOString();
    const record: MemberRecord = {
      memberId,
      username,
      email,
      role,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await cognito.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: userPoolId,
          Username: username,
          GroupName: role,
        }),
      );
      await this.deps.members.add(tenantId, record);
    } catch (error) {
      // Leave no user behind that belongs to the tenant without being its member.
      await cognito
        .send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }))
        .catch((cleanup: unknown) => {
          this.deps.logger.error(
            { err: cleanup, memberId },
            'could not delete a half-invited user',
          );
        });
      throw error;
    }
    await this.deps.events.changed(tenantId, 'member', memberId, record.version);
    return toMember(record);
  }

  async get(tenantId: string, memberId: string): Promise<MemberRecord> {
    const record = await this.deps.members.get(tenantId, memberId);
    if (!record) throw notFound('Member');
    return record;
  }

  /**
   * The table holds the role, the user pool enforces it: the groups are made to match the stored
   * role on every call, so repeating a change whose group update failed repairs it. A role that is
   * already stored answers 200 whatever the If-Match: the change has been applied (RFC 9110 13.1.1).
   */
  async changeRole(
    tenantId: string,
    memberId: string,
    expectedVersion: number,
    role: Role,
  ): Promise<Member> {
    const current = await this.get(tenantId, memberId);
    if (current.role === role) {
      await this.matchGroupsToStoredRole(tenantId, current);
      return toMember(current);
    }
    const changed = await this.deps.members.changeRole(tenantId, current, expectedVersion, role);
    await this.matchGroupsToStoredRole(tenantId, changed);
    await this.deps.events.changed(tenantId, 'member', memberId, changed.version);
    return toMember(changed);
  }

  /**
   * Two role changes in a row can update the groups in the other order; whoever updates them
   * last reads the role again afterwards and follows it, so the groups end as the table says.
   */
  private async matchGroupsToStoredRole(tenantId: string, member: MemberRecord): Promise<void> {
    let role = member.role;
    for (let attempt = 1; attempt <= MAX_GROUP_MATCHES; attempt++) {
      await this.matchGroupsTo(member.username, role);
      const stored = await this.deps.members.get(tenantId, member.memberId);
      if (!stored || stored.role === role) return;
      role = stored.role;
    }
    throw new AppError('conflict', 'The member’s role kept changing; send the change again');
  }

  private async matchGroupsTo(username: string, role: Role): Promise<void> {
    const { cognito, userPoolId } = this.deps;
    await cognito.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: userPoolId,
        Username: username,
        GroupName: role,
      }),
    );
    const { Groups = [] } = await cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username }),
    );
    const otherRoles = Groups.flatMap(({ GroupName: group }) =>
      group && group !== role && ROLE_GROUPS.has(group) ? [group] : [],
    );
    for (const group of otherRoles)
      await cognito.send(
        new AdminRemoveUserFromGroupCommand({
          UserPoolId: userPoolId,
          Username: username,
          GroupName: group,
        }),
      );
  }

  private createUser(tenantId: string, email: string) {
    return this.deps.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: this.deps.userPoolId,
        Username: email,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:tenant_id', Value: tenantId },
        ],
      }),
    );
  }

  /**
   * Deletes the user left by a removal whose last step failed: disabled, and a member of no
   * tenant. Answers whether there was one; any other user of that e-mail is someone's account.
   */
  private async deleteLeftover(email: string): Promise<boolean> {
    const { cognito, userPoolId } = this.deps;
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }),
    );
    const attribute = (name: string) => user.UserAttributes?.find((a) => a.Name === name)?.Value;
    const tenantId = attribute('custom:tenant_id');
    const memberId = attribute('sub');
    if (user.Enabled !== false || !tenantId || !memberId) return false;
    if (await this.deps.members.get(tenantId, memberId)) return false;
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: email }));
    return true;
  }

  /**
   * Disable first, so a removed member can never sign in again, whatever fails after. The last
   * admin is refused before: re-enabling after a refused removal could fail, and lock them out.
   */
  async remove(tenantId: string, memberId: string): Promise<void> {
    const current = await this.get(tenantId, memberId);
    await this.deps.members.assertRemovable(tenantId, current);
    const { cognito, userPoolId, logger } = this.deps;
    await cognito.send(
      new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: current.username }),
    );
    try {
      await this.deps.members.remove(tenantId, current);
    } catch (error) {
      await cognito.send(
        new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: current.username }),
      );
      throw error;
    }
    await cognito
      .send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: current.username }))
      .catch((error: unknown) => {
        logger.error(
          { err: error, memberId },
          'removed member stays disabled in the user pool; delete failed',
        );
      });
    await this.deps.events.changed(tenantId, 'member', memberId);
  }
}
