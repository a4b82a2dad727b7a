import request from 'supertest';
import { createAwsClients, loadConfig, type AwsClients } from '@leadflow/core';
import { capturingLogger, createTestStack, type TestStack } from '@leadflow/testing';
import { buildApp } from '../src/app';
import { TenantConfigConfigSchema } from '../src/config';

export type Role = 'admin' | 'manager' | 'agent' | 'viewer';

export interface Harness {
  stack: TestStack;
  aws: AwsClients;
  app: ReturnType<typeof buildApp>['app'];
  /** Every line the service logged, as text. */
  logs: string[];
  /** A bearer token of a user with `role` in `tenantId` (created once). */
  token(tenantId: string, role: Role | 'platform-admin'): Promise<string>;
  /** Creates a tenant through the API, as a platform admin. */
  createTenant(slug: string, extra?: Record<string, unknown>): Promise<void>;
  close(): void;
}

export async function startHarness(): Promise<Harness> {
  const stack = await createTestStack();
  const { logger, logs } = capturingLogger('tenant-config', 'debug');
  const config = loadConfig(TenantConfigConfigSchema, { ...stack.env, LOG_LEVEL: 'debug' });
  const aws = createAwsClients({ region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL });
  const { app } = buildApp({ config, logger, aws, validateResponses: true });
  const token = (tenantId: string, role: Role | 'platform-admin') =>
    stack.tokenFor({
      email: `${role}@${tenantId}.test`,
      ...(role === 'platform-admin' ? {} : { tenantId }),
      roles: [role],
    });
  return {
    stack,
    aws,
    app,
    logs,
    token,
    async createTenant(slug, extra = {}) {
      const res = await request(app)
        .post('/v1/tenants')
        .set('Authorization', `Bearer ${await token('platform', 'platform-admin')}`)
        .send({
          name: `Tenant ${slug}`,
          slug,
          defaultCountry: 'DE',
          timezone: 'Europe/Berlin',
          ...extra,
        });
      if (res.status !== 201)
        throw new Error(
          `could not create tenant ${slug}: ${res.status} ${JSON.stringify(res.body)}`,
        );
    },
    close: () => aws.destroy(),
  };
}

export { bearer } from '@leadflow/testing';

/** The ETag of a response; every read of a versioned resource has one. */
export function etagOf(res: { headers: Record<string, string | undefined> }): string {
  const etag = res.headers.etag;
  if (!etag) throw new Error('the response has no ETag');
  return etag;
}
