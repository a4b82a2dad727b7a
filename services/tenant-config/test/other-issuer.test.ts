import request from 'supertest';
import { createAwsClients, createLogger, loadConfig, type AwsClients } from '@leadflow/core';
import { createTestStack, TestIssuer } from '@leadflow/testing';
import { buildApp } from '../src/app';
import { TenantConfigConfigSchema } from '../src/config';

/** DESIGN §4: the issuer is configuration; Supabase's users are managed in Supabase. */
describe('when the tokens come from Supabase', () => {
  const issuer = new TestIssuer();
  const ISSUER = 'https://ref.supabase.co/auth/v1';
  let aws: AwsClients;
  let app: ReturnType<typeof buildApp>['app'];

  const tokenOf = (sub: string, appMetadata: Record<string, unknown>) =>
    `Bearer ${issuer.sign(
      { sub, aud: 'authenticated', role: 'authenticated', app_metadata: appMetadata },
      { issuer: ISSUER },
    )}`;

  beforeAll(async () => {
    const stack = await createTestStack();
    await issuer.start();
    const config = loadConfig(TenantConfigConfigSchema, {
      ...stack.env,
      AUTH_PROVIDER: 'supabase',
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: 'authenticated',
      AUTH_JWKS_URI: issuer.jwksUri,
    });
    aws = createAwsClients({ region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL });
    app = buildApp({ config, logger: createLogger({ service: 'test', level: 'silent' }), aws }).app;
  });
  afterAll(async () => {
    await issuer.stop();
    aws.destroy();
  });

  it('then the roles in the token decide: the tenant’s admin manages it, its viewer may not', async () => {
    const created = await request(app)
      .post('/v1/tenants')
      .set('Authorization', tokenOf('platform-user', { roles: ['platform-admin'] }))
      .send({ name: 'Supa', slug: 'supa', defaultCountry: 'DE', timezone: 'UTC' });
    expect(created.status).toBe(201);
    const tenantId = created.body.id as string;

    const read = await request(app)
      .get('/v1/tenant')
      .set('Authorization', tokenOf('supa-admin', { tenant_id: tenantId, roles: ['admin'] }));
    expect(read.body).toMatchObject({ id: tenantId });
    expect(read.status).toBe(200);
    const key = await request(app)
      .post('/v1/api-keys')
      .set('Authorization', tokenOf('supa-viewer', { tenant_id: tenantId, roles: ['viewer'] }))
      .send({ name: 'k' });
    expect(key.status).toBe(403);
  });
});
