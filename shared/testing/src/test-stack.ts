import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys } from '@leadflow/contracts';
import { createAwsClients, documentClient, type DynamoDBDocumentClient } from '@leadflow/core';
import { bootstrap, localEnvironment, type LocalResources } from '@leadflow/resources';
import { ensureUser, idTokenFor, tokensFor, type LocalPool } from '@leadflow/local-aws';

export const TEST_REGION = 'us-east-1';
export const TEST_PASSWORD = 'Test-password-1!';

const TENANT_ROLES = new Set(['admin', 'manager', 'agent', 'viewer']);

/** The claims of a token, unverified. */
export function claimsOf(token: string): Record<string, unknown> & { sub: string; email: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  > & { sub: string; email: string };
}

/**
 * Writes the member item an invite would for the token's user, so the leads API (which reads a
 * caller's role from the member list) and tenant-config accept it.
 */
export async function putMember(
  db: DynamoDBDocumentClient,
  tenantsTable: string,
  tenantId: string,
  idToken: string,
  role: string,
): Promise<void> {
  const { sub, email } = claimsOf(idToken);
  const now = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tenantsTable,
      Item: {
        ...tenantKeys.member(tenantId, sub),
        memberId: sub,
        username: email,
        email,
        role,
        version: 1,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
}

export interface TestStack {
  resources: LocalResources;
  /** The variables a service reads, pointing at this stack. */
  env: Record<string, string>;
  pool: LocalPool;
  /** Creates (once) a user of `tenantId` with `roles`, a member of it, and answers its ID token. */
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
  const db = documentClient(
    createAwsClients({ region: resources.region, endpoint: resources.endpoint }).dynamodb,
  );
  const members = new Set<string>();
  /**
   * Records the token's user as a member of its tenant with its first tenant role, as an invite
   * would: tenant-config checks the member list, not only the token, before it changes anything.
   * Not counted among the tenant's admins: those are the ones its own tests invite.
   */
  const recordMember = async (user: { tenantId?: string; roles: string[] }, idToken: string) => {
    const role = user.roles.find((r) => TENANT_ROLES.has(r));
    if (!user.tenantId || !role) return;
    const { sub } = claimsOf(idToken);
    if (members.has(`${user.tenantId}/${sub}`)) return;
    await putMember(db, resources.tables.tenants, user.tenantId, idToken, role);
    members.add(`${user.tenantId}/${sub}`);
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
      const idToken = await idTokenFor(pool, user.email, TEST_PASSWORD);
      await recordMember(user, idToken);
      return idToken;
    },
    async accessTokenFor(user) {
      await ensure(user);
      const tokens = await tokensFor(pool, user.email, TEST_PASSWORD);
      await recordMember(user, tokens.idToken);
      return tokens.accessToken;
    },
  };
}
