import request from 'supertest';
import { createLogger, loadConfig } from '@leadflow/core';
import { expectNoCorsGrant, expectPreflightAllowed, preflight } from '@leadflow/testing';
import { buildApp } from '../src/app';
import { TenantConfigConfigSchema } from '../src/config';
import { bearer, startHarness, type Harness } from './harness';

const APP = 'https://app.leadflow.test';

describe('the product UI on another origin (FRONTEND_ORIGINS)', () => {
  let h: Harness;
  let app: Harness['app'];

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('corsui');
    // The harness’s app reads the stack’s variables, which list no origin.
    app = buildApp({
      config: loadConfig(TenantConfigConfigSchema, { ...h.stack.env, FRONTEND_ORIGINS: APP }),
      logger: createLogger({ service: 'tenant-config', level: 'silent' }),
      aws: h.aws,
      validateResponses: true,
    }).app;
  });
  afterAll(() => h.close());

  const HEADERS = ['Authorization', 'Content-Type', 'If-Match'];
  const patchPreflight = (origin: string) => preflight(app, '/v1/tenant', origin, 'PATCH', HEADERS);

  it('when its page asks to PATCH the tenant, then the preflight allows its token, body and If-Match', async () => {
    expectPreflightAllowed(await patchPreflight(APP), APP, 'PATCH', HEADERS);
  });

  it('when a page of another origin asks, then it gets no CORS headers and no preflight', async () => {
    expectNoCorsGrant(await patchPreflight('https://evil.test'));
  });

  it('when its page reads the tenant, then it may read the answer and its ETag', async () => {
    const res = await request(app)
      .get('/v1/tenant')
      .set(bearer(await h.token('corsui', 'admin')))
      .set('Origin', APP)
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toContain('ETag');
  });
});
