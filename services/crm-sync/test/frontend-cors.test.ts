import request from 'supertest';
import { bearer, startCrmSyncHarness, type CrmSyncHarness } from './harness';

const APP = 'https://app.leadflow.test';

describe('the product UI on another origin (FRONTEND_ORIGINS)', () => {
  let h: CrmSyncHarness;

  beforeAll(async () => {
    h = await startCrmSyncHarness({ env: { FRONTEND_ORIGINS: APP }, startWorker: false });
  });
  afterAll(() => h.close());

  const preflight = (origin: string) =>
    request(h.crmSync.app)
      .options('/v1/crm-sync/redrive')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type');

  it('when its page asks to redrive, then the preflight allows its token and body', async () => {
    const res = await preflight(APP).expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization.*Content-Type/);
    expect(res.headers.vary).toContain('Origin');
  });

  it('when a page of another origin asks, then it gets no CORS headers and no preflight', async () => {
    const res = await preflight('https://evil.test');
    expect(res.status).not.toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  // Redrive is crm-sync’s only signed-in operation: there is no GET to read.
  it('when its page redrives the dead letters, then it may read the answer', async () => {
    const platformAdmin = await h.stack.tokenFor({
      email: 'platform@leadflow.test',
      roles: ['platform-admin'],
    });
    const res = await request(h.crmSync.app)
      .post('/v1/crm-sync/redrive')
      .set(bearer(platformAdmin))
      .set('Origin', APP)
      .send({})
      .expect(200);
    expect(res.body).toEqual({ moved: 0, failed: 0 });
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toContain('ETag');
  });
});
