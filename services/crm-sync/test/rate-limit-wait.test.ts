import request from 'supertest';
import { eventually } from '@leadflow/testing';
import {
  bearer,
  leadCreated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const SECRET = 'whsec-0123456789abcdef-busy';
const MAX_WAIT_SECONDS = 8;

describe('Bounded waits for CRM rate limits', () => {
  let h: CrmSyncHarness;

  beforeAll(async () => {
    // A short bound, and no backoff: the attempts after it burn through in seconds.
    h = await startCrmSyncHarness({
      env: {
        CRM_SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: String(MAX_WAIT_SECONDS),
        CRM_SYNC_RETRY_BASE_SECONDS: '0',
      },
    });
    await h.createTenant('busy');
  });
  afterAll(() => h.close());

  const webhook = (name: string): Promise<ConnectionRef> =>
    h.connect('busy', {
      type: 'webhook',
      name,
      credentials: { url: `${h.fake.baseUrl}/webhook/${name}`, signingSecret: SECRET },
    });

  /** Waits for the lead to show synced on the connection, with no error left from its waits. */
  async function expectSyncedCleanly(leadId: string, hook: ConnectionRef): Promise<void> {
    const synced = await h.waitForStatus(
      'busy',
      leadId,
      hook.id,
      (s) => s.state === 'synced',
      30_000,
    );
    expect(synced.lastError).toBeUndefined();
  }

  it('when a webhook answers 429 for less than the bound, then the change waits without counting and syncs', async () => {
    const hook = await webhook('burst');
    h.fake.storm({ crm: 'webhook', path: '/webhook/burst', status: 429, requests: 2 });
    const lead = leadCreated('busy');
    await h.publish(lead);

    await expectSyncedCleanly(lead.detail.leadId, hook);
    const answers = h.fake.requests({ crm: 'webhook' }).filter((r) => r.path === '/webhook/burst');
    expect(answers.filter((r) => r.status === 429)).toHaveLength(2);
    expect(h.logs.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
  });

  it('when a webhook answers nothing but 429, then after the bound each wait is a failed attempt: the lead shows failed, the change is in the DLQ, and an error says how long it waited; redriven, it waits afresh', async () => {
    const hook = await webhook('always-busy');
    h.fake.storm({
      crm: 'webhook',
      path: '/webhook/always-busy',
      status: 429,
      durationMs: 120_000,
    });
    const lead = leadCreated('busy');
    await h.publish(lead);

    const failed = await h
      .waitForStatus('busy', lead.detail.leadId, hook.id, (s) => s.state === 'failed', 45_000)
      .finally(() => h.fake.calm());

    expect(failed.lastError).toMatch(
      /gave up after 8 attempts.*still rate limited after waiting \d+ s.*429/,
    );
    const dlq = h.stack.env.CRM_SYNC_DLQ_URL!;
    await eventually(async () => ((await h.queueDepth(dlq)) === 1 ? true : undefined), 10_000, 200);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBe(0);
    const errorsOf = (leadId: string) =>
      h.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.level === 'error' && entry.leadId === leadId);
    const errors = errorsOf(lead.detail.leadId);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({
      tenantId: 'busy',
      connectionId: hook.id,
      crmType: 'webhook',
    });
    expect(errors[0]!.waitedSeconds).toBeGreaterThanOrEqual(MAX_WAIT_SECONDS);

    // Redriven while the webhook is still busy for a moment, the change starts its wait afresh:
    // it waits without counting and syncs, with no new error.
    h.fake.storm({ crm: 'webhook', path: '/webhook/always-busy', status: 429, requests: 2 });
    const redriven = await request(h.crmSync.app)
      .post('/v1/crm-sync/redrive')
      .set(
        bearer(await h.stack.tokenFor({ email: 'ops@leadflow.test', roles: ['platform-admin'] })),
      )
      .send({});
    expect(redriven.body).toEqual({ moved: 1, failed: 0 });
    await expectSyncedCleanly(lead.detail.leadId, hook);
    expect(errorsOf(lead.detail.leadId)).toHaveLength(errors.length);
  });
});
