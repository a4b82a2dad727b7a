import request from 'supertest';
import { createAwsClients, loadConfig, type AwsClients } from '@leadflow/core';
import { capturingLogger, createTestStack, type TestStack } from '@leadflow/testing';
import { buildApp } from '../src/app';
import { TenantConfigConfigSchema } from '../src/config';

export type Role = 'admin' | 'manager' | 'agent' | 'viewer';

type AwsClientName = Exclude<keyof AwsClients, 'destroy'>;

/** Nothing listens here: every call is refused at once. */
const UNREACHABLE = 'http://127.0.0.1:1';

export interface Harness {
  stack: TestStack;
  aws: AwsClients;
  app: ReturnType<typeof buildApp>['app'];
  /** Every line the service logged, as text. */
  logs: string[];
  /** A bearer token of a user with `role` in `tenantId` (created once), a member of it. */
  token(tenantId: string, role: Role | 'platform-admin'): Promise<string>;
  /** Another app on the same stack whose `client` cannot reach AWS: that call fails, the others work. */
  appWithUnreachable(client: AwsClientName): ReturnType<typeof buildApp>['app'];
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
  const unreachable = createAwsClients({
    region: config.AWS_REGION,
    endpoint: UNREACHABLE,
    maxAttempts: 1,
  });
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
    appWithUnreachable(client) {
      const pick = <K extends AwsClientName>(name: K): AwsClients[K] =>
        (name === client ? unreachable : aws)[name];
      const partlyUnreachable: AwsClients = {
        get dynamodb() {
          return pick('dynamodb');
        },
        get eventBridge() {
          return pick('eventBridge');
        },
        get sqs() {
          return pick('sqs');
        },
        get s3() {
          return pick('s3');
        },
        get secrets() {
          return pick('secrets');
        },
        get cognito() {
          return pick('cognito');
        },
        destroy() {},
      };
      return buildApp({ config, logger, aws: partlyUnreachable, validateResponses: true }).app;
    },
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
    close: () => {
      aws.destroy();
      unreachable.destroy();
    },
  };
}

export { bearer } from '@leadflow/testing';

/** The ETag of a response; every read of a versioned resource has one. */
export function etagOf(res: { headers: Record<string, string | undefined> }): string {
  const etag = res.headers.etag;
  if (!etag) throw new Error('the response has no ETag');
  return etag;
}
