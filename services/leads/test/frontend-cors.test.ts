import request from 'supertest';
import { expectNoCorsGrant, expectPreflightAllowed, preflight } from '@leadflow/testing';
import { bearer, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

const APP = 'https://app.leadflow.test';

describe('the product UI on another origin (FRONTEND_ORIGINS)', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await startLeadsHarness({ FRONTEND_ORIGINS: `${APP},http://localhost:5173` });
    tenant = await h.createTenant('corsapp');
  });
  afterAll(() => h.close());

  const HEADERS = ['Authorization', 'Content-Type', 'If-Match'];
  const patchPreflight = (origin: string) =>
    preflight(h.leads.app, '/v1/leads/01JDQ3V6Z8R6J5X1M8T0N4K2W9', origin, 'PATCH', HEADERS);

  it('when its page asks to PATCH a lead, then the preflight allows its token, body and If-Match', async () => {
    expectPreflightAllowed(await patchPreflight(APP), APP, 'PATCH', HEADERS);
  });

  it('when its page reads leads, then it may read the answer, its ETag and the request id to quote to support', async () => {
    const res = await request(h.leads.app)
      .get('/v1/leads')
      .set(bearer(tenant.admin.token))
      .set('Origin', 'http://localhost:5173')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toContain('ETag');
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it.each([['https://evil.test'], ['null']])(
    'when a page of %s asks, then it gets no CORS headers and no preflight',
    async (origin) => {
      expectNoCorsGrant(await patchPreflight(origin));
      const read = await request(h.leads.app)
        .get('/v1/leads')
        .set(bearer(tenant.admin.token))
        .set('Origin', origin)
        .expect(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('when a server calls without an Origin, then CORS does not apply', async () => {
    const res = await request(h.leads.app).get('/v1/leads').set(bearer(tenant.admin.token));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
