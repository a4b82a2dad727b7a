import { randomBytes } from 'node:crypto';
import { bootstrap, localEnvironment, type LocalResources } from '@leadflow/resources';
import { ensureUser, idTokenFor, tokensFor, type LocalPool } from '@leadflow/local-aws';

export const TEST_REGION = 'us-east-1';
export const TEST_PASSWORD = 'Test-password-1!';

export interface TestStack {
  resources: LocalResources;
  /** The variables a service reads, pointing at this stack. */
  env: Record<string, string>;
  pool: LocalPool;
  /** Creates (once) a user of `tenantId` with `roles` and answers its ID token. */
  tokenFor(user: { email: string; tenantId?: string; roles: string[] }): Promise<string>;
  accessTokenFor(user: { email: string; tenantId?: string; roles: string[] }): Promise<string>;
}

export function emulatorEndpoint(): string {
  const endpoint = process.env.LEADFLOW_TEST_AWS_ENDPOINT;
  if (!endpoint)
    throw new Error(
      'LEADFLOW_TEST_AWS_ENDPOINT is not set: integration tests run under the jest global setup',
    );
  return endpoint;
}

/** A unique prefix per test file, so files running in parallel never share a table, queue or pool. */
export function uniquePrefix(): string {
  return `t${randomBytes(4).toString('hex')}-`;
}

/** Bootstraps every resource of the manifest under a fresh prefix in the run's emulator. */
export async function createTestStack(): Promise<TestStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const resources = await bootstrap({
    endpoint: emulatorEndpoint(),
    region: TEST_REGION,
    prefix: uniquePrefix(),
  });
  const pool: LocalPool = {
    endpoint: resources.endpoint,
    region: resources.region,
    userPoolId: resources.userPoolId,
    appClientId: resources.appClientId,
  };
  const created = new Set<string>();
  const ensure = async (user: { email: string; tenantId?: string; roles: string[] }) => {
    if (!created.has(user.email)) {
      await ensureUser(pool, {
        email: user.email,
        password: TEST_PASSWORD,
        tenantId: user.tenantId,
        groups: user.roles,
      });
      created.add(user.email);
    }
  };
  return {
    resources,
    env: {
      ...localEnvironment(resources),
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    },
    pool,
    async tokenFor(user) {
      await ensure(user);
      return idTokenFor(pool, user.email, TEST_PASSWORD);
    },
    async accessTokenFor(user) {
      await ensure(user);
      return (await tokensFor(pool, user.email, TEST_PASSWORD)).accessToken;
    },
  };
}
