/** Seeds the demo world into the local AWS of `make dev`. Every step is idempotent. */
import { ensureUser, type LocalPool } from '@leadflow/local-aws';
import { DEMO_PASSWORD, DEMO_USERS } from './demo-data';

export async function seedUsers(pool: LocalPool): Promise<void> {
  for (const user of DEMO_USERS) {
    await ensureUser(pool, {
      email: user.email,
      password: DEMO_PASSWORD,
      tenantId: user.tenantId,
      groups: user.groups,
    });
  }
}
