import { can, tenantOf, type Permission } from '@leadflow/auth';
import {
  AppError,
  route,
  type BoundRoute,
  type Handler,
  type Operation,
  type Principal,
} from '@leadflow/core';
import type { MemberRepository } from './member.repository';

/** What the OpenAPI description of an operation guarded by LiveMembership says about it. */
export const LIVE_MEMBERSHIP_NOTE =
  'The caller’s membership is checked against the member list on every call: a member who was removed, or whose role no longer allows this, is refused (403) at once, even with a token that has not expired.';

function permissionOf(operation: Operation): Permission {
  if (operation.auth.scheme !== 'bearer')
    throw new Error(`${operation.operationId} has no signed-in caller whose membership to check`);
  return operation.auth.permission as Permission;
}

/**
 * A token's roles stay as they were when it was issued, for up to an hour after a member was
 * removed or demoted. Every change to the tenant's configuration asks the member list instead,
 * with a consistent read, so that a removal or demotion stops it at once.
 */
export class LiveMembership {
  constructor(private readonly members: MemberRepository) {}

  async assertAllowed(principal: Principal | undefined, permission: Permission): Promise<void> {
    const tenantId = tenantOf(principal);
    const member = principal && (await this.members.get(tenantId, principal.subject));
    if (!member) throw new AppError('forbidden', 'You are no longer a member of this tenant');
    if (!can([member.role], permission))
      throw new AppError('forbidden', `Your role no longer allows this (${permission})`);
  }

  /** `route`, answered only to callers whose stored membership still allows the operation. */
  route<Op extends Operation>(operation: Op, handler: Handler<Op>): BoundRoute {
    const permission = permissionOf(operation);
    return route(operation, async (input) => {
      await this.assertAllowed(input.principal, permission);
      return handler(input);
    });
  }
}
