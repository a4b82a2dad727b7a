import { blackHole, type BlackHole } from '@leadflow/testing';
import {
  leadCreated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const SLOW_LEADS = 80;

describe('One tenant’s hung CRM and the other tenants', () => {
  let h: CrmSyncHarness;
  let hole: BlackHole;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    hole = await blackHole();
    h = await startCrmSyncHarness({
      env: {
        CRM_SYNC_CONCURRENCY: '20',
        CRM_REQUEST_TIMEOUT_MS: '3000',
        CRM_SYNC_LEASE_SECONDS: '5',
      },
    });
    await h.createTenant('hung');
    await h.createTenant('quick');
    await h.connect('hung', {
      type: 'webhook',
      name: 'Hung receiver',
      credentials: { url: `${hole.endpoint}/hook`, signingSecret: 'whsec-0123456789abcdef-hung' },
    });
    hubspot = await h.connect('quick', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: 'pat-na1-hubspot-quick-000000001' },
      fieldMapping: { email: 'email' },
    });
  });
  afterAll(async () => {
    await h.close();
    await hole.close();
  });

  /** How long a new lead of the quick tenant takes to show synced. */
  async function msToSyncQuickLead(): Promise<number> {
    const lead = leadCreated('quick');
    const start = Date.now();
    await h.publish(lead);
    await h.waitForStatus(
      'quick',
      lead.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced',
      60_000,
    );
    return Date.now() - start;
  }

  it('when a burst of leads goes to a webhook that never answers, then another tenant’s lead is synced about as fast as alone, and the burst waits in the queue, none lost', async () => {
    const alone = await msToSyncQuickLead();

    await h.publish(...Array.from({ length: SLOW_LEADS }, () => leadCreated('hung')));
    const behind = await msToSyncQuickLead();

    // Held in the worker's slots, the burst kept the lead out for half a minute.
    expect(behind).toBeLessThan(alone + 10_000);
    expect(hole.connections.length).toBeGreaterThan(0);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBeGreaterThanOrEqual(SLOW_LEADS);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
  }, 90_000);
});
