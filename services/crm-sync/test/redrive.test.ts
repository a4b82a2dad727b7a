import {
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import request from 'supertest';
import { redriveMessages } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import {
  bearer,
  leadCreated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

describe('Dead letters and redrive', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;
  let queueUrl: string;
  let dlqUrl: string;

  beforeAll(async () => {
    // No backoff: a failing message burns through its receives in seconds.
    h = await startCrmSyncHarness({ env: { CRM_SYNC_RETRY_BASE_SECONDS: '0' } });
    queueUrl = h.stack.env.CRM_SYNC_QUEUE_URL!;
    dlqUrl = h.stack.env.CRM_SYNC_DLQ_URL!;
    await h.createTenant('dlq');
    hubspot = await h.connect('dlq', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: 'pat-na1-dead-letters-000000001' },
    });
  });
  afterAll(() => h.close());

  const platformAdmin = () =>
    h.stack.tokenFor({ email: 'platform@leadflow.test', roles: ['platform-admin'] });

  it('when messages can never be handled (not JSON, off-contract), then they end in the DLQ', async () => {
    const offContract = leadCreated('dlq');
    const body = {
      id: 'x',
      source: 'leadflow.leads',
      'detail-type': 'lead.created',
      time: new Date().toISOString(),
      detail: { ...offContract.detail, version: 'one' },
    };
    await h.aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json' }));
    await h.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }),
    );
    await eventually(
      async () => ((await h.queueDepth(dlqUrl)) === 2 ? true : undefined),
      40_000,
      500,
    );
    expect(await h.queueDepth(queueUrl)).toBe(0);
    expect(h.logs.join('\n')).toMatch(/poison message/);
  });

  it('when a CRM outage outlasts the retries, then the leads show failed in the DLQ, and a redrive after it syncs them', async () => {
    h.fake.storm({ crm: 'hubspot', status: 503, durationMs: 120_000 });
    const leads = Array.from({ length: 3 }, () => leadCreated('dlq'));
    await h.publish(...leads);
    for (const lead of leads) {
      const failed = await h.waitForStatus(
        'dlq',
        lead.detail.leadId,
        hubspot.id,
        (s) => s.state === 'failed',
        40_000,
      );
      expect(failed.lastError).toMatch(/gave up after 8 attempts.*503/);
    }
    await eventually(
      async () => ((await h.queueDepth(dlqUrl)) === 5 ? true : undefined),
      20_000,
      500,
    );
    h.fake.calm();

    const res = await request(h.crmSync.app)
      .post('/v1/crm-sync/redrive')
      .set(bearer(await platformAdmin()))
      .send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ moved: 5, failed: 0 });

    for (const lead of leads)
      await h.waitForStatus(
        'dlq',
        lead.detail.leadId,
        hubspot.id,
        (s) => s.state === 'synced',
        20_000,
      );
    // The two poison messages went back to the DLQ; the leads did not.
    await eventually(
      async () => ((await h.queueDepth(dlqUrl)) === 2 ? true : undefined),
      40_000,
      500,
    );
  });

  it('when maxMessages is given, then at most that many move', async () => {
    const res = await request(h.crmSync.app)
      .post('/v1/crm-sync/redrive')
      .set(bearer(await platformAdmin()))
      .send({ maxMessages: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ moved: 1, failed: 0 });
  });

  it.each([
    ['without a token', 401, undefined, {}],
    ['by a tenant admin', 403, 'admin', {}],
    ['for no messages', 400, 'platform', { maxMessages: 0 }],
    ['with an unknown field', 400, 'platform', { queue: 'other' }],
  ])('when redrive is asked %s, then it answers %i', async (_case, status, who, body) => {
    const call = request(h.crmSync.app).post('/v1/crm-sync/redrive');
    if (who === 'admin')
      call.set(
        bearer(
          await h.stack.tokenFor({ email: 'admin@dlq.test', tenantId: 'dlq', roles: ['admin'] }),
        ),
      );
    if (who === 'platform') call.set(bearer(await platformAdmin()));
    const res = await call.send(body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('when a CRM keeps rejecting the credentials, then the lead shows failed, the change waits in the DLQ, and a redrive after the fix syncs it', async () => {
    const revoked = 'pat-na1-dead-letters-revoked-01';
    await h.createTenant('dlqauth');
    h.fake.configure({ rejectTokens: [revoked] });
    const connection = await h.connect('dlqauth', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: revoked },
    });
    const lead = leadCreated('dlqauth');
    await h.publish(lead);

    const failed = await h.waitForStatus(
      'dlqauth',
      lead.detail.leadId,
      connection.id,
      (s) => /gave up/.test(s.lastError ?? ''),
      40_000,
    );
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(/gave up after 8 attempts.*401.*INVALID_AUTHENTICATION/);
    await eventually(
      async () => ((await h.queueDepth(queueUrl)) === 0 ? true : undefined),
      20_000,
      500,
    );

    h.fake.configure({ rejectTokens: [] });
    const res = await request(h.crmSync.app)
      .post('/v1/crm-sync/redrive')
      .set(bearer(await platformAdmin()))
      .send({});
    expect(res.status).toBe(200);
    await h.waitForStatus(
      'dlqauth',
      lead.detail.leadId,
      connection.id,
      (s) => s.state === 'synced',
      20_000,
    );
  });

  it('when redriveMessages moves messages, then body and attributes are kept', async () => {
    // The lead-intake pair has no worker in this test: nothing consumes what arrives.
    const from = h.stack.env.LEAD_INTAKE_DLQ_URL!;
    const to = h.stack.env.LEAD_INTAKE_QUEUE_URL!;
    const attributes: Record<string, MessageAttributeValue> = {
      trace: { DataType: 'String', StringValue: 'abc-123' },
      attempt: { DataType: 'Number', StringValue: '7' },
    };
    for (let i = 0; i < 13; i++)
      await h.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: from,
          MessageBody: `{"n":${i}}`,
          MessageAttributes: attributes,
        }),
      );

    expect(await redriveMessages({ sqs: h.aws.sqs, fromQueueUrl: from, toQueueUrl: to })).toEqual({
      moved: 13,
      failed: 0,
    });

    const bodies: string[] = [];
    while (bodies.length < 13) {
      const { Messages = [] } = await h.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: to,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        bodies.push(message.Body!);
        expect(message.MessageAttributes).toEqual(attributes);
      }
    }
    expect(bodies.sort()).toEqual(Array.from({ length: 13 }, (_, i) => `{"n":${i}}`).sort());
    expect(await h.queueDepth(from)).toBe(0);
    expect(await redriveMessages({ sqs: h.aws.sqs, fromQueueUrl: from, toQueueUrl: to })).toEqual({
      moved: 0,
      failed: 0,
    });
  });
});
