import { blackHole, eventually, type BlackHole } from '@leadflow/testing';
import {
  leadCreated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
  TEST_MAX_RECEIVE_COUNT,
} from './harness';

describe('A CRM that never answers', () => {
  let h: CrmSyncHarness;
  let hole: BlackHole;
  let hook: ConnectionRef;

  beforeAll(async () => {
    hole = await blackHole();
    // No backoff: only the hold each unanswered attempt leaves (2 s lease + 1 s) spaces them.
    h = await startCrmSyncHarness({
      env: {
        CRM_REQUEST_TIMEOUT_MS: '300',
        CRM_SYNC_LEASE_SECONDS: '2',
        CRM_SYNC_RETRY_BASE_SECONDS: '0',
      },
    });
    await h.createTenant('silent');
    hook = await h.connect('silent', {
      type: 'webhook',
      name: 'Hung receiver',
      credentials: { url: `${hole.endpoint}/hook`, signingSecret: 'whsec-0123456789abcdef-silent' },
    });
  });
  afterAll(async () => {
    await h.close();
    await hole.close();
  });

  it('when every request times out, then each receive is one attempt, and after the last the lead shows failed and the change is in the DLQ', async () => {
    const lead = leadCreated('silent');
    await h.publish(lead);

    const failed = await h.waitForStatus(
      'silent',
      lead.detail.leadId,
      hook.id,
      (s) => s.state === 'failed',
      60_000,
    );

    expect(failed.lastError).toMatch(
      new RegExp(
        `gave up after ${TEST_MAX_RECEIVE_COUNT} attempts, the change is in the dead-letter queue: .*no answer within 300 ms`,
      ),
    );
    const dlq = h.stack.env.CRM_SYNC_DLQ_URL!;
    await eventually(async () => ((await h.queueDepth(dlq)) === 1 ? true : undefined), 10_000, 200);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBe(0);
    // No receive was spent waiting for a hold: each sent the CRM one request.
    expect(hole.connections).toHaveLength(TEST_MAX_RECEIVE_COUNT);
  }, 90_000);
});
