import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import request from 'supertest';
import type { LeadReceived } from '@leadflow/contracts';
import { createAwsClients, createLogger, loadConfig, type AwsClients } from '@leadflow/core';
import { bearer, capturingLogger, createTestStack, type TestStack } from '@leadflow/testing';
import { buildApp as buildTenantConfig } from '../../tenant-config/src/app';
import { TenantConfigConfigSchema } from '../../tenant-config/src/config';
import { buildApp, type IngestionApp } from '../src/app';
import { IngestionConfigSchema } from '../src/config';

export interface FormDefinition {
  name?: string;
  fields: Array<{ key: string; required?: boolean; label?: string }>;
  consents?: Array<{ key: string; text: string; required: boolean }>;
  allowedOrigins?: string[];
  honeypotField?: string;
  success?: { redirectUrl?: string; message?: string };
  googleAdsKey?: string;
}

export interface PublishedForm {
  id: string;
  formKey: string;
}

/** A lead.received event as it arrived in the lead-intake queue. */
export interface Delivered {
  source: string;
  'detail-type': string;
  detail: LeadReceived;
}

export interface Harness {
  stack: TestStack;
  aws: AwsClients;
  ingestion: IngestionApp;
  tenantConfig: ReturnType<typeof buildTenantConfig>['app'];
  logs: string[];
  /** Builds another ingestion app on the same stack (another task), with its own settings. */
  anotherIngestion(env?: Record<string, string>, aws?: AwsClients): IngestionApp;
  /** Creates a tenant (DE, with custom fields) through tenant-config, and answers an admin token. */
  createTenant(slug: string, customFields?: object[]): Promise<string>;
  /** Creates and publishes a form through tenant-config. */
  publishForm(admin: string, form: FormDefinition): Promise<PublishedForm>;
  /** Changes a form and publishes the change. */
  republishForm(admin: string, formId: string, patch: Partial<FormDefinition>): Promise<void>;
  unpublishForm(admin: string, formId: string): Promise<void>;
  createApiKey(admin: string): Promise<{ id: string; key: string }>;
  revokeApiKey(admin: string, id: string): Promise<void>;
  /** Every lead.received event that arrived in lead-intake since the last call (and removes them). */
  drainIntake(): Promise<Delivered[]>;
  /** Waits until `count` more events arrived, then answers them. */
  intakeEvents(count: number, timeoutMs?: number): Promise<Delivered[]>;
  close(): Promise<void>;
}

export { bearer } from '@leadflow/testing';

async function expectStatus(res: request.Response, status: number, what: string) {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const stack = await createTestStack();
  const aws = createAwsClients({
    region: stack.env.AWS_REGION!,
    endpoint: stack.env.AWS_ENDPOINT_URL,
  });
  const { logger, logs } = capturingLogger('ingestion', 'debug');
  const build = (extra: Record<string, string> = {}, clients: AwsClients = aws) =>
    buildApp({
      config: loadConfig(IngestionConfigSchema, { ...stack.env, ...env, ...extra }),
      logger,
      aws: clients,
      validateResponses: true,
    });
  const built: IngestionApp[] = [];
  const track = (app: IngestionApp) => {
    built.push(app);
    return app;
  };
  const ingestion = track(build());
  const tenantConfig = buildTenantConfig({
    config: loadConfig(TenantConfigConfigSchema, stack.env),
    logger: createLogger({ service: 'tenant-config', level: 'silent' }),
    aws,
    validateResponses: true,
  }).app;
  const pending: Delivered[] = [];

  async function receiveOnce(waitSeconds: number): Promise<number> {
    const result = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.env.LEAD_INTAKE_QUEUE_URL!,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    const messages: Message[] = result.Messages ?? [];
    for (const message of messages) pending.push(JSON.parse(message.Body!) as Delivered);
    if (messages.length > 0) {
      await aws.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: stack.env.LEAD_INTAKE_QUEUE_URL!,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return messages.length;
  }

  return {
    stack,
    aws,
    ingestion,
    tenantConfig,
    logs,
    anotherIngestion: (extra, clients) => track(build(extra, clients)),
    async createTenant(slug, customFields = []) {
      const platform = await stack.tokenFor({
        email: 'platform@leadflow.test',
        roles: ['platform-admin'],
      });
      await expectStatus(
        await request(tenantConfig)
          .post('/v1/tenants')
          .set(bearer(platform))
          .send({ name: `Tenant ${slug}`, slug, defaultCountry: 'DE', timezone: 'Europe/Berlin' }),
        201,
        `create tenant ${slug}`,
      );
      const admin = await stack.tokenFor({
        email: `admin@${slug}.test`,
        tenantId: slug,
        roles: ['admin'],
      });
      if (customFields.length > 0) {
        const current = await request(tenantConfig).get('/v1/tenant').set(bearer(admin));
        await expectStatus(
          await request(tenantConfig)
            .patch('/v1/tenant')
            .set(bearer(admin))
            .set('If-Match', current.headers.etag!)
            .send({ customFields }),
          200,
          'set custom fields',
        );
      }
      return admin;
    },
    async publishForm(admin, form) {
      const created = await expectStatus(
        await request(tenantConfig)
          .post('/v1/forms')
          .set(bearer(admin))
          .send({ name: 'Contact', ...form }),
        201,
        'create form',
      );
      await expectStatus(
        await request(tenantConfig).post(`/v1/forms/${created.body.id}/publish`).set(bearer(admin)),
        200,
        'publish form',
      );
      return { id: created.body.id as string, formKey: created.body.formKey as string };
    },
    async republishForm(admin, formId, patch) {
      const current = await request(tenantConfig).get(`/v1/forms/${formId}`).set(bearer(admin));
      await expectStatus(
        await request(tenantConfig)
          .patch(`/v1/forms/${formId}`)
          .set(bearer(admin))
          .set('If-Match', current.headers.etag!)
          .send(patch),
        200,
        'change form',
      );
      await expectStatus(
        await request(tenantConfig).post(`/v1/forms/${formId}/publish`).set(bearer(admin)),
        200,
        'publish form',
      );
    },
    async unpublishForm(admin, formId) {
      await expectStatus(
        await request(tenantConfig).post(`/v1/forms/${formId}/unpublish`).set(bearer(admin)),
        200,
        'unpublish form',
      );
    },
    async createApiKey(admin) {
      const res = await expectStatus(
        await request(tenantConfig).post('/v1/api-keys').set(bearer(admin)).send({ name: 'CRM' }),
        201,
        'create API key',
      );
      return { id: res.body.id as string, key: res.body.key as string };
    },
    async revokeApiKey(admin, id) {
      await expectStatus(
        await request(tenantConfig).delete(`/v1/api-keys/${id}`).set(bearer(admin)),
        204,
        'revoke API key',
      );
    },
    async drainIntake() {
      // EventBridge delivers inside PutEvents locally: whatever was published is already queued.
      while ((await receiveOnce(0)) > 0);
      return pending.splice(0);
    },
    async intakeEvents(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.length < count && Date.now() < deadline) await receiveOnce(1);
      if (pending.length < count)
        throw new Error(`expected ${count} lead.received events, got ${pending.length}`);
      return pending.splice(0);
    },
    async close() {
      // As on SIGTERM: flush the publishers and the rate-limit counters, then the clients.
      for (const app of built) for (const worker of app.workers) await worker.run();
      aws.destroy();
    },
  };
}

/**
 * A TCP relay in front of the emulator that can be switched off (connections refused, open
 * ones cut) and on again on the same port: EventBridge becoming unreachable, then back.
 */
export class TcpSwitch {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  /** How long AWS's answers are held back: the call arrives, its answer comes late. */
  answerDelayMs = 0;

  constructor(private readonly target: URL) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async on(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (this.answerDelayMs === 0) client.write(chunk);
        else setTimeout(() => client.writable && client.write(chunk), this.answerDelayMs);
      });
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** AWS clients whose DynamoDB or EventBridge goes through `endpoint`, everything else direct. */
export function clientsRelaying(
  stack: TestStack,
  relayedService: 'dynamodb' | 'eventBridge',
  endpoint: string,
): AwsClients {
  const region = stack.env.AWS_REGION!;
  const direct = createAwsClients({ region, endpoint: stack.env.AWS_ENDPOINT_URL });
  const relayed = createAwsClients({
    region,
    endpoint,
    connectionTimeoutMs: 200,
    requestTimeoutMs: 1_000,
  });
  const clientsOf = (service: typeof relayedService) =>
    service === relayedService ? relayed : direct;
  return {
    get dynamodb() {
      return clientsOf('dynamodb').dynamodb;
    },
    get eventBridge() {
      return clientsOf('eventBridge').eventBridge;
    },
    get sqs() {
      return direct.sqs;
    },
    get s3() {
      return direct.s3;
    },
    get secrets() {
      return direct.secrets;
    },
    get cognito() {
      return direct.cognito;
    },
    destroy() {
      direct.destroy();
      relayed.destroy();
    },
  };
}
