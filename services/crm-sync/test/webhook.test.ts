import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookDelivery } from '../fake-crm/fake-crm';
import {
  leadCreated,
  leadErased,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const SECRET = 'whsec-0123456789abcdef-receiver';

/**
 * A receiver's verifier written from the documented scheme only (not crm-sync's code):
 * HMAC-SHA256 of `<Leadflow-Event-Id>.<Leadflow-Timestamp>.<raw body>` with the signing
 * secret, hex, in `Leadflow-Signature: v1=<hex>`; timestamps older than 5 minutes refused.
 */
function verify(
  delivery: WebhookDelivery,
  secret: string,
  nowSeconds = Date.now() / 1000,
): boolean {
  const eventId = delivery.headers['leadflow-event-id'];
  const timestamp = delivery.headers['leadflow-timestamp'];
  const signature = delivery.headers['leadflow-signature'];
  if (!eventId || !timestamp || !signature?.startsWith('v1=')) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', secret)
    .update(`${eventId}.${timestamp}.${delivery.body}`)
    .digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('Signed webhooks', () => {
  let h: CrmSyncHarness;
  let hook: ConnectionRef;
  let failing: ConnectionRef;
  const deliveries = (path: string) =>
    h.fake.state.webhookDeliveries.filter((d) => d.path === path);

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('hooks');
    hook = await h.connect('hooks', {
      type: 'webhook',
      name: 'Our intake',
      credentials: { url: `${h.fake.baseUrl}/webhook/hooks`, signingSecret: SECRET },
      fieldMapping: { email: 'email', lastName: 'surname' },
    });
  });
  afterAll(() => h.close());

  it('when a lead is created, then the receiver gets it signed, with the event id and the mapped fields', async () => {
    const created = leadCreated('hooks', {
      fields: { email: 'sig@hooks.example.com', lastName: 'Signed', company: 'Not mapped' },
    });
    await h.publish(created);
    await h.waitForStatus('hooks', created.detail.leadId, hook.id, (s) => s.state === 'synced');

    const [delivery] = deliveries('/webhook/hooks').filter((d) =>
      d.body.includes(created.detail.leadId),
    );
    expect(delivery).toBeDefined();
    expect(verify(delivery!, SECRET)).toBe(true);
    expect(verify(delivery!, 'another-secret-0123456789')).toBe(false);
    expect(verify({ ...delivery!, body: delivery!.body.replace('Signed', 'Forged') }, SECRET)).toBe(
      false,
    );
    expect(delivery!.headers['leadflow-event-id']).toBe(created.detail.eventId);
    expect(delivery!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({
      id: created.detail.eventId,
      type: 'lead.created',
      connectionId: hook.id,
      lead: {
        id: created.detail.leadId,
        version: 1,
        properties: { email: 'sig@hooks.example.com', surname: 'Signed' },
      },
    });
    expect(body.lead.properties).not.toHaveProperty('company');
  });

  it('when the receiver fails once, then the retry carries the same event id and a fresh valid signature', async () => {
    h.fake.storm({ crm: 'webhook', status: 502, requests: 1 });
    const created = leadCreated('hooks');
    await h.publish(created);
    await h.waitForStatus('hooks', created.detail.leadId, hook.id, (s) => s.state === 'synced');
    const attempts = h.fake
      .requests({ crm: 'webhook' })
      .filter((r) => r.at >= Date.now() - 30_000 && r.path === '/webhook/hooks');
    expect(attempts.some((r) => r.status === 502)).toBe(true);
    const delivered = deliveries('/webhook/hooks').filter((d) =>
      d.body.includes(created.detail.leadId),
    );
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.headers['leadflow-event-id']).toBe(created.detail.eventId);
    expect(verify(delivered[0]!, SECRET)).toBe(true);
  });

  it('when a lead is erased, then the receiver is told, without any personal data', async () => {
    const created = leadCreated('hooks', { fields: { email: 'bye@hooks.example.com' } });
    await h.publish(created);
    await h.waitForStatus('hooks', created.detail.leadId, hook.id, (s) => s.state === 'synced');
    await h.publish(leadErased('hooks', created.detail.leadId, 2));
    await h.waitForStatus(
      'hooks',
      created.detail.leadId,
      hook.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    const erasure = deliveries('/webhook/hooks').find(
      (d) => JSON.parse(d.body).type === 'lead.erased' && d.body.includes(created.detail.leadId),
    );
    expect(erasure).toBeDefined();
    expect(verify(erasure!, SECRET)).toBe(true);
    expect(JSON.parse(erasure!.body).lead).toEqual({ id: created.detail.leadId, version: 2 });
    expect(erasure!.body).not.toContain('bye@hooks.example.com');
  });

  it('when the receiver answers a permanent 4xx, then the lead is failed and not retried', async () => {
    failing = await h.connect('hooks', {
      type: 'webhook',
      name: 'Gone',
      credentials: { url: `${h.fake.baseUrl}/webhook/gone`, signingSecret: SECRET },
    });
    h.fake.storm({ crm: 'webhook', path: '/webhook/gone', status: 410, durationMs: 10_000 });
    const created = leadCreated('hooks');
    await h.publish(created);
    const failed = await h.waitForStatus(
      'hooks',
      created.detail.leadId,
      failing.id,
      (s) => s.state === 'failed',
    );
    expect(failed.lastError).toMatch(/410/);
    // The other connection of the tenant still got it.
    await h.waitForStatus('hooks', created.detail.leadId, hook.id, (s) => s.state === 'synced');
    const attempts = () =>
      h.fake.requests({ crm: 'webhook' }).filter((r) => r.path === '/webhook/gone').length;
    const count = attempts();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(attempts()).toBe(count);
    h.fake.calm();
  });

  it('when a receiver refused a change for good and another connection’s retry brings it back, then the refusing one is not sent it again', async () => {
    await h.createTenant('refusals');
    const connect = (name: string) =>
      h.connect('refusals', {
        type: 'webhook',
        name,
        credentials: { url: `${h.fake.baseUrl}/webhook/${name}`, signingSecret: SECRET },
      });
    const refusing = await connect('refusing');
    const flaky = await connect('flaky');
    h.fake.storm({ crm: 'webhook', path: '/webhook/refusing', status: 400, durationMs: 60_000 });
    h.fake.storm({ crm: 'webhook', path: '/webhook/flaky', status: 503, requests: 3 });
    const created = leadCreated('refusals');
    await h.publish(created);

    await h.waitForStatus(
      'refusals',
      created.detail.leadId,
      flaky.id,
      (s) => s.state === 'synced',
      40_000,
    );
    h.fake.calm();
    const statuses = await h.statuses('refusals', created.detail.leadId);
    expect(statuses.find((s) => s.connectionId === refusing.id)).toMatchObject({
      state: 'failed',
      leadVersion: 1,
      refused: true,
      lastError: expect.stringMatching(/400/),
    });
    expect(deliveries('/webhook/flaky').length).toBeGreaterThanOrEqual(1);
    const sentToRefusing = h.fake
      .requests({ crm: 'webhook' })
      .filter((r) => r.path === '/webhook/refusing');
    expect(sentToRefusing).toHaveLength(1);
  }, 60_000);
});
