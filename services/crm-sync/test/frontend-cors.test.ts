import request from 'supertest';
import { expectNoCorsGrant, expectPreflightAllowed, preflight } from '@leadflow/testing';
import { bearer, startCrmSyncHarness, type CrmSyncHarness } from './harness';

const APP = 'https://app.leadflow.test';

describe('the product UI on another origin (FRONTEND_ORIGINS)', () => {
  let h: CrmSyncHarness;

  beforeAll(async () => {
    h = await startCrmSyncHarness({ env: { FRONTEND_ORIGINS: APP }, startWorker: false });
  });
  afterAll(() => h.close());

  const HEADERS = ['Authorization', 'Content-Type'];
  const redrivePreflight = (origin: string) =>
    preflight(h.crmSync.app, '/v1/crm-sync/redrive', origin, 'POST', HEADERS);

  it('when its page asks to redrive, then the preflight allows its token and body', async () => {
    expectPreflightAllowed(await redrivePreflight(APP), APP, 'POST', HEADERS);
  });

  it('when a page of another origin asks, then it gets no CORS headers and no preflight', async () => {
    expectNoCorsGrant(await redrivePreflight('https://evil.test'));
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
