import { can, PERMISSIONS, ROLES, type Permission, type Role } from '../permissions';

/** The matrix as the design states it, written out independently of the code. */
const EXPECTED: Record<Role, Permission[]> = {
  viewer: ['leads:read', 'leads:read-all', 'settings:read'],
  agent: ['leads:read', 'leads:create', 'leads:update', 'notes:write', 'settings:read'],
  manager: [
    'leads:read',
    'leads:read-all',
    'leads:create',
    'leads:update',
    'leads:update-all',
    'leads:assign',
    'leads:export',
    'notes:write',
    'settings:read',
  ],
  admin: [
    'leads:read',
    'leads:read-all',
    'leads:create',
    'leads:update',
    'leads:update-all',
    'leads:assign',
    'leads:export',
    'leads:delete',
    'leads:erase',
    'leads:resync',
    'notes:write',
    'settings:read',
    'settings:write',
  ],
  'platform-admin': ['tenants:create', 'crm-sync:redrive'],
};

describe('the role → permission matrix', () => {
  const cases = ROLES.flatMap((role) =>
    PERMISSIONS.map(
      (permission) => [role, permission, EXPECTED[role].includes(permission)] as const,
    ),
  );

  it.each(cases)(
    'when the role is %s and the permission %s, then allowed is %s',
    (role, permission, allowed) => {
      expect(can([role], permission)).toBe(allowed);
    },
  );

  it('when a user holds several roles, then it may do what any of them may', () => {
    expect(can(['viewer', 'platform-admin'], 'tenants:create')).toBe(true);
    expect(can(['viewer', 'platform-admin'], 'leads:read')).toBe(true);
  });

  it('when a user holds no role, then it may do nothing', () => {
    for (const permission of PERMISSIONS) expect(can([], permission)).toBe(false);
  });
});
