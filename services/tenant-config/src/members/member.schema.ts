import { Type, type Static } from '@sinclair/typebox';
import { requires, TENANT_ROLES } from '@leadflow/auth';
import {
  defineOperation,
  ETagHeader,
  IfMatchHeader,
  named,
  pageOf,
  PaginationQuery,
} from '@leadflow/core';

export const TenantRoleSchema = Type.Union(
  TENANT_ROLES.map((role) => Type.Literal(role)),
  {
    description:
      'admin: everything in the tenant (its settings, forms, API keys, CRM connections and members; deleting, erasing and re-syncing leads). manager: every lead: create, edit, assign, export, notes. agent: creates leads; reads, edits and adds notes to the leads assigned to them or unassigned. viewer: reads every lead. Every role reads the tenant’s configuration. Each operation lists the roles that may call it (`x-roles`).',
  },
);

export const MemberSchema = named(
  'Member',
  Type.Object(
    {
      id: Type.String({ description: 'The user’s id (the token’s `sub`).' }),
      email: Type.String({ format: 'email' }),
      role: TenantRoleSchema,
      version: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type Member = Static<typeof MemberSchema>;

const MemberParams = Type.Object({ memberId: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }) });

const exampleMember: Member = {
  id: '3f1c2e4a-8b9d-4c1e-9f2a-7d6b5c4a3e21',
  email: 'agent@demo.test',
  role: 'agent',
  version: 1,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};

export const listMembersOperation = defineOperation({
  method: 'get',
  path: '/v1/members',
  operationId: 'listMembers',
  summary: 'List the tenant’s members',
  tags: ['members'],
  auth: requires('settings:read'),
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of members.',
      schema: pageOf(MemberSchema, 'A page of members.'),
      example: { items: [exampleMember], nextCursor: null },
    },
  },
});

export const inviteMemberOperation = defineOperation({
  method: 'post',
  path: '/v1/members',
  operationId: 'inviteMember',
  summary: 'Invite a member',
  description: `Creates the user in the tenant’s user pool with the tenant attribute and the role’s group; the user receives an e-mail with a temporary password. 409 when the e-mail already has an account; a user left disabled by a removal that could not finish (a member of no tenant) is replaced.`,
  tags: ['members'],
  auth: requires('settings:write'),
  body: Type.Object(
    { email: Type.String({ format: 'email', maxLength: 254 }), role: TenantRoleSchema },
    { additionalProperties: false },
  ),
  bodyExample: { email: 'agent@demo.test', role: 'agent' },
  responses: {
    201: {
      description: 'Invited.',
      schema: MemberSchema,
      example: exampleMember,
      headers: ETagHeader,
    },
  },
  errors: [409],
});

export const getMemberOperation = defineOperation({
  method: 'get',
  path: '/v1/members/{memberId}',
  operationId: 'getMember',
  summary: 'A member',
  tags: ['members'],
  auth: requires('settings:read'),
  params: MemberParams,
  responses: {
    200: {
      description: 'The member.',
      schema: MemberSchema,
      example: exampleMember,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const changeMemberRoleOperation = defineOperation({
  method: 'patch',
  path: '/v1/members/{memberId}',
  operationId: 'changeMemberRole',
  summary: 'Change a member’s role',
  description: `The last admin cannot stop being one (409). The new role applies at once to the tenant configuration API and within 10 seconds to the leads API, even with tokens issued before the change. Asking for the role the member already has answers 200 with the member as it is, whatever the If-Match, and brings the user pool groups in line with it: repeat a change that failed with 5xx to complete it.`,
  tags: ['members'],
  auth: requires('settings:write'),
  params: MemberParams,
  requestHeaders: IfMatchHeader,
  body: Type.Object({ role: TenantRoleSchema }, { additionalProperties: false }),
  bodyExample: { role: 'manager' },
  responses: {
    200: {
      description: 'The changed member.',
      schema: MemberSchema,
      example: { ...exampleMember, role: 'manager', version: 2 },
      headers: ETagHeader,
    },
  },
  errors: [404, 409, 412, 428],
});

export const removeMemberOperation = defineOperation({
  method: 'delete',
  path: '/v1/members/{memberId}',
  operationId: 'removeMember',
  summary: 'Remove a member',
  description: `Disables and deletes the user. The last admin cannot be removed (409). The member’s tokens are refused (403) at once by the tenant configuration API and within 10 seconds by the leads API, even before they expire.`,
  tags: ['members'],
  auth: requires('settings:write'),
  params: MemberParams,
  responses: { 204: { description: 'Removed.' } },
  errors: [404, 409],
});

export const memberOperations = [
  listMembersOperation,
  inviteMemberOperation,
  getMemberOperation,
  changeMemberRoleOperation,
  removeMemberOperation,
];
