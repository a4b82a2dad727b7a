import type { Role } from '@leadflow/core';

export type { Role } from '@leadflow/core';

export const ROLES = [
  'platform-admin',
  'admin',
  'manager',
  'agent',
  'viewer',
] as const satisfies readonly Role[];

/** Roles that belong to one tenant, as opposed to the platform. */
export const TENANT_ROLES = [
  'admin',
  'manager',
  'agent',
  'viewer',
] as const satisfies readonly Role[];

const EVERY_TENANT_ROLE = TENANT_ROLES;

/**
 * Who may do what. Agents hold the lead permissions only for leads assigned to them or
 * unassigned: the `-all` variants lift that limit.
 */
export const PERMISSION_MATRIX = {
  'leads:read': EVERY_TENANT_ROLE,
  'leads:read-all': ['admin', 'manager', 'viewer'],
  'leads:create': ['admin', 'manager', 'agent'],
  'leads:update': ['admin', 'manager', 'agent'],
  'leads:update-all': ['admin', 'manager'],
  'leads:assign': ['admin', 'manager'],
  'leads:export': ['admin', 'manager'],
  'leads:delete': ['admin'],
  'leads:erase': ['admin'],
  'leads:resync': ['admin'],
  'notes:write': ['admin', 'manager', 'agent'],
  'settings:read': EVERY_TENANT_ROLE,
  'settings:write': ['admin'],
  'tenants:create': ['platform-admin'],
  'crm-sync:redrive': ['platform-admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSION_MATRIX;

export const PERMISSIONS = Object.keys(PERMISSION_MATRIX) as Permission[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSION_MATRIX[permission];
  return roles.some((role) => allowed.includes(role));
}
