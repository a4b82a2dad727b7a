import { tenantOf } from '@leadflow/auth';
import { etagOf, expectedVersion, route, type BoundRoute } from '@leadflow/core';
import type { MemberRepository } from './member.repository';
import {
  changeMemberRoleOperation,
  getMemberOperation,
  inviteMemberOperation,
  listMembersOperation,
  removeMemberOperation,
} from './member.schema';
import { toMember, type MemberService } from './member.service';

export function memberRoutes(members: MemberService, repository: MemberRepository): BoundRoute[] {
  return [
    route(listMembersOperation, async ({ principal, query }) => {
      const page = await repository.list(tenantOf(principal), query.limit ?? 25, query.cursor);
      return {
        status: 200,
        body: { items: page.items.map(toMember), nextCursor: page.nextCursor },
      };
    }),
    route(inviteMemberOperation, async ({ principal, body }) => {
      const member = await members.invite(tenantOf(principal), body.email, body.role);
      return { status: 201, body: member, headers: { ETag: etagOf(member.version) } };
    }),
    route(getMemberOperation, async ({ principal, params }) => {
      const member = toMember(await members.get(tenantOf(principal), params.memberId));
      return { status: 200, body: member, headers: { ETag: etagOf(member.version) } };
    }),
    route(changeMemberRoleOperation, async ({ principal, params, body, req }) => {
      const member = await members.changeRole(
        tenantOf(principal),
        params.memberId,
        expectedVersion(req.get('if-match')),
        body.role,
      );
      return { status: 200, body: member, headers: { ETag: etagOf(member.version) } };
    }),
    route(removeMemberOperation, async ({ principal, params }) => {
      await members.remove(tenantOf(principal), params.memberId);
      return { status: 204 };
    }),
  ];
}
