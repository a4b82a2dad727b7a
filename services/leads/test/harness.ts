import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import request from 'supertest';
import { ulid } from 'ulid';
import {
  assertValid,
  createAwsClients,
  createLogger,
  loadConfig,
  type AwsClients,
} from '@leadflow/core';
import { envelope, LeadReceivedSchema, type LeadReceived } from '@leadflow/contracts';
import { idTokenFor } from '@leadflow/local-aws';
import { bearer, createTestStack, eventually, type TestStack } from '@leadflow/testing';
import { buildApp as buildTenantConfig } from '../../tenant-config/src/app';
import { TenantConfigConfigSchema } from '../../tenant-config/src/config';
import { buildApp, type LeadsApp } from '../src/app';
import { LeadsConfigSchema } from '../src/config';

export type Role = 'admin' | 'manager' | 'agent' | 'viewer';
const PASSWORD = 'Leads-test-1!';

export { bearer } from '@leadflow/testing';

export function etagOf(res: { headers: Record<string, string | undefined> }): string {
  const etag = res.headers.etag;
  if (!etag) throw new Error('the response has no ETag');
  return etag;
}

export interface Member {
  id: string;
  token: string;
}

export interface TestTenant {
  id: string;
  admin: Member;
  /** A new member of this tenant with `role`, invited through tenant-config. */
  member(role: Role): Promise<Member>;
  /** Changes the tenant's settings through tenant-config (custom fields, pipeline, dedupe, assignment). */
  configure(patch: object): Promise<void>;
}

export interface LeadsHarness {
  stack: TestStack;
  aws: AwsClients;
  leads: LeadsApp;
  tenantConfig: ReturnType<typeof buildTenantConfig>['app'];
  createTenant(slug: string): Promise<TestTenant>;
  /** A lead.received event as ingestion publishes it. */
  received(tenantId: string, overrides?: Partial<LeadReceived>): LeadReceived;
  publishReceived(event: LeadReceived): Promise<void>;
  /** Waits until the lead is stored and visible to `token`. */
  waitForLead(leadId: string, token: string): Promise<Record<string, unknown>>;
  /** Messages of lead events delivered to the crm-sync queue by the bus. */
  receiveLeadEvents(): Promise<
    Array<{ 'detail-type': string; detail: { leadId: string; version: number } }>
  >;
  close(): Promise<void>;
}

export async function startLeadsHarness(
  overrides: Record<string, string> = {},
): Promise<LeadsHarness> {
  const stack = await createTestStack();
  const env = {
    ...stack.env,
    TENANT_CACHE_MS: '0',
    INTAKE_WAIT_SECONDS: '1',
    INTAKE_RETRY_BASE_SECONDS: '0',
    OUTBOX_POLL_MS: '200',
    ...overrides,
  };
  const aws = createAwsClients({
    region: stack.resources.region,
    endpoint: stack.resources.endpoint,
  });
  const logger = createLogger({ service: 'leads', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const leads = buildApp({
    config: loadConfig(LeadsConfigSchema, env),
    logger,
    aws,
    validateResponses: true,
  });
  const tenantConfig = buildTenantConfig({
    config: loadConfig(TenantConfigConfigSchema, env),
    logger,
    aws,
    validateResponses: true,
  }).app;
  const platform = await stack.tokenFor({
    email: 'platform@leads.test',
    roles: ['platform-admin'],
  });

  async function signIn(email: string): Promise<string> {
    await aws.cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.resources.userPoolId,
        Username: email,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    return idTokenFor(stack.pool, email, PASSWORD);
  }

  return {
    stack,
    aws,
    leads,
    tenantConfig,
    async createTenant(slug) {
      await request(tenantConfig)
        .post('/v1/tenants')
        .set(bearer(platform))
        .send({
          name: slug,
          slug,
          defaultCountry: 'DE',
          timezone: 'Europe/Berlin',
          admin: { email: `admin@${slug}.test` },
        })
        .expect(201);
      const adminToken = await signIn(`admin@${slug}.test`);
      const adminMember = (await request(tenantConfig).get('/v1/members').set(bearer(adminToken)))
        .body.items[0];
      let counter = 0;
      return {
        id: slug,
        admin: { id: adminMember.id, token: adminToken },
        async member(role) {
          const email = `${role}${(counter += 1)}@${slug}.test`;
          const invited = await request(tenantConfig)
            .post('/v1/members')
            .set(bearer(adminToken))
            .send({ email, role })
            .expect(201);
          return { id: invited.body.id, token: await signIn(email) };
        },
        async configure(patch) {
          const current = await request(tenantConfig).get('/v1/tenant').set(bearer(adminToken));
          await request(tenantConfig)
            .patch('/v1/tenant')
            .set(bearer(adminToken))
            .set('If-Match', etagOf(current))
            .send(patch)
            .expect(200);
        },
      };
    },
    received(tenantId, overrides = {}) {
      const event: LeadReceived = {
        ...envelope(tenantId),
        leadId: ulid(),
        source: 'form',
        formId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
        fields: { email: `lead-${ulid().toLowerCase()}@example.com`, firstName: 'Jane' },
        custom: {},
        context: {
          consents: [
            {
              key: 'privacy',
              text: 'I agree to the privacy policy.',
              given: true,
              at: new Date().toISOString(),
            },
          ],
          utm: { source: 'google' },
        },
        isTest: false,
        ...overrides,
      };
      return assertValid(LeadReceivedSchema, event);
    },
    async publishReceived(event) {
      const result = await aws.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: stack.resources.busName,
              Source: 'leadflow.ingestion',
              DetailType: 'lead.received',
              Detail: JSON.stringify(event),
            },
          ],
        }),
      );
      if (result.FailedEntryCount) throw new Error('PutEvents failed');
    },
    waitForLead(leadId, token) {
      return eventually(async () => {
        const res = await request(leads.app).get(`/v1/leads/${leadId}`).set(bearer(token));
        return res.status === 200 ? (res.body as Record<string, unknown>) : undefined;
      }, 20_000);
    },
    async receiveLeadEvents() {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.resources.queues['crm-sync'].url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      return Messages.map((m) => JSON.parse(m.Body!));
    },
    async close() {
      await leads.intake.stop();
      await leads.relay.stop();
      aws.destroy();
    },
  };
}
