import request from 'supertest';
import { createLogger, loadConfig } from '@leadflow/core';
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

  const preflight = (origin: string) =>
    request(app)
      .options('/v1/tenant')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization, content-type, if-match');

  it('when its page asks to PATCH the tenant, then the preflight allows its token, body and If-Match', async () => {
    const res = await preflight(APP).expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
    expect(res.headers['access-control-allow-headers']).toMatch(
      /Authorization.*Content-Type.*If-Match/,
    );
    expect(res.headers.vary).toContain('Origin');
  });

  it('when a page of another origin asks, then it gets no CORS headers and no preflight', async () => {
    const res = await preflight('https://evil.test');
    expect(res.status).not.toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
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
