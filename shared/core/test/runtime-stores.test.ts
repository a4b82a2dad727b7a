import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import express from 'express';
import request from 'supertest';
import { freePort } from '@leadflow/local-aws';
import { createTestStack, type TestStack } from '@leadflow/testing';
import {
  AppError,
  createAwsClients,
  createLogger,
  documentClient,
  DynamoRateLimitStore,
  fingerprint,
  IdempotencyStore,
  rateLimit,
  type AwsClients,
} from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });

/** Every task's hits in a rate-limit window item: one `t_<task>` attribute each (or `hits`). */
const hitsIn = (item: Record<string, unknown> | undefined) =>
  item &&
  Object.entries(item)
    .filter(([name]) => name === 'hits' || name.startsWith('t_'))
    .reduce((sum, [, hits]) => sum + Number(hits), 0);

describe('runtime stores against local DynamoDB', () => {
  let stack: TestStack;
  let aws: AwsClients;
  let table: string;

  beforeAll(async () => {
    stack = await createTestStack();
    aws = createAwsClients({ region: stack.resources.region, endpoint: stack.resources.endpoint });
    table = stack.resources.tables.runtime;
  });
  afterAll(() => aws.destroy());

  describe('DynamoRateLimitStore', () => {
    /** A task's store with one-minute windows that syncs only when a test says so. */
    const limiterStore = (prefix: string, client = documentClient(aws.dynamodb)) =>
      new DynamoRateLimitStore({
        client,
        table,
        prefix,
        logger,
        windowMs: 60_000,
        syncIntervalMs: 60_000,
      });

    function limitedApp(store: DynamoRateLimitStore, limit: number) {
      const app = express();
      app.use(
        rateLimit({
          name: 'client',
          limit,
          windowSeconds: 60,
          store,
          keyOf: () => 'client-1',
          limited: () => new Error('limited'),
        }),
      );
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      app.use(((error, _req, res, _next) => {
        res.status(429).send(String(error));
      }) as express.ErrorRequestHandler);
      return app;
    }

    it('when two tasks share the counters, then together they allow only the limit once synced', async () => {
      const prefix = `shared-${Date.now()}-`;
      const taskA = limiterStore(prefix);
      const taskB = limiterStore(prefix);
      const appA = limitedApp(taskA, 5);
      const appB = limitedApp(taskB, 5);
      for (let i = 0; i < 3; i++) expect((await request(appA).get('/')).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await request(appB).get('/')).status).toBe(200);
      await taskA.sync();
      await taskB.sync();
      // B has now learned of A's three hits: the sixth request overall is refused.
      const refused = await request(appB).get('/');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.headers.ratelimit).toMatch(/^"client"; r=0; t=\d+$/);
      expect(refused.headers['ratelimit-policy']).toBe('"client"; q=5; w=60');
      await Promise.all([taskA.shutdown(), taskB.shutdown()]);
    });

    it('when the hits on a key are read, then reading counts none, and the other tasks’ hits show once this task has synced the key', async () => {
      const prefix = `read-${Date.now()}-`;
      const taskA = limiterStore(prefix);
      const taskB = limiterStore(prefix);
      expect(taskB.hits('k').totalHits).toBe(0);
      taskA.increment('k');
      taskA.increment('k');
      await taskA.sync();
      taskB.increment('k');
      await taskB.sync();
      expect(taskB.hits('k').totalHits).toBe(3);
      expect(taskB.hits('k').totalHits).toBe(3);
      expect(taskB.hits('other').totalHits).toBe(0);
      await Promise.all([taskA.shutdown(), taskB.shutdown()]);
    });

    it('when requests are counted, then no request waits on DynamoDB', async () => {
      const store = limiterStore('local-');
      const info = store.increment('k');
      expect(info).toMatchObject({ totalHits: 1 });
      await store.shutdown();
      const item = await documentClient(aws.dynamodb).send(
        new GetCommand({
          TableName: table,
          Key: { PK: 'RL#local-k', SK: String(Math.floor(Date.now() / 60_000) * 60_000) },
        }),
      );
      expect(item.Item).toMatchObject({ expiresAt: expect.any(Number) });
      expect(hitsIn(item.Item)).toBe(1);
    });

    it('when hits are being synced, then they still count until the shared total includes them', async () => {
      const store = limiterStore(`in-flight-${Date.now()}-`);
      store.increment('k');
      store.increment('k');
      const syncing = store.sync();
      expect(store.increment('k')).toMatchObject({ totalHits: 3 });
      await syncing;
      expect(store.increment('k')).toMatchObject({ totalHits: 4 });
      await store.shutdown();
    });
    it('when the task shuts down during a sync, then the hits counted meanwhile reach DynamoDB too', async () => {
      const prefix = `shutdown-${Date.now()}-`;
      const store = limiterStore(prefix);
      store.increment('a');
      const syncing = store.sync();
      store.increment('a');
      store.increment('b');
      await store.shutdown();
      await syncing;
      const hitsOf = async (key: string) =>
        (
          await documentClient(aws.dynamodb).send(
            new GetCommand({
              TableName: table,
              Key: {
                PK: `RL#${prefix}${key}`,
                SK: String(Math.floor(Date.now() / 60_000) * 60_000),
              },
            }),
          )
        ).Item;
      expect({ a: hitsIn(await hitsOf('a')), b: hitsIn(await hitsOf('b')) }).toEqual({
        a: 2,
        b: 1,
      });
    });

    it('when a sync was written but its answer lost, then the next sync does not count those hits twice', async () => {
      const prefix = `lost-answer-${Date.now()}-`;
      const own = createAwsClients({
        region: stack.resources.region,
        endpoint: stack.resources.endpoint,
      });
      const client = documentClient(own.dynamodb);
      const send = client.send.bind(client);
      const writtenThenTimedOut = async (command: Parameters<typeof send>[0]) => {
        await send(command);
        throw Object.assign(new Error('no answer in time'), { name: 'TimeoutError' });
      };
      const spy = jest
        .spyOn(client, 'send')
        .mockImplementationOnce(writtenThenTimedOut as typeof client.send);
      const store = limiterStore(prefix, client);
      store.increment('k');
      store.increment('k');
      await store.sync();
      await store.shutdown();
      spy.mockRestore();
      own.destroy();
      const item = await documentClient(aws.dynamodb).send(
        new GetCommand({
          TableName: table,
          Key: { PK: `RL#${prefix}k`, SK: String(Math.floor(Date.now() / 60_000) * 60_000) },
        }),
      );
      expect(hitsIn(item.Item)).toBe(2);
    });

    it('when DynamoDB cannot be reached during a sync, then the hits still count and wait for the next one', async () => {
      // A port nothing listens on: the UpdateItem fails at once, as in an outage.
      const down = createAwsClients({
        region: stack.resources.region,
        endpoint: `http://127.0.0.1:${await freePort()}`,
        maxAttempts: 1,
      });
      const store = limiterStore(`outage-${Date.now()}-`, documentClient(down.dynamodb));
      store.increment('k');
      store.increment('k');
      await store.sync();
      expect(store.increment('k')).toMatchObject({ totalHits: 3 });
      await expect(store.shutdown()).resolves.toBeUndefined();
      down.destroy();
    });
  });

  describe('IdempotencyStore', () => {
    const store = (lockSeconds?: number) =>
      new IdempotencyStore({
        client: documentClient(aws.dynamodb),
        table,
        logger,
        ...(lockSeconds ? { lockSeconds } : {}),
      });
    const answer = (body: unknown) => async () => ({ status: 202, body });

    it('when the same key and request come again, then the first answer is replayed and the work ran once', async () => {
      let runs = 0;
      const work = async () => {
        runs += 1;
        return { status: 202, body: { leadId: `L${runs}` } };
      };
      const first = await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-1' },
        fingerprint({ a: 1, b: 2 }),
        'A1',
        work,
      );
      const second = await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-1' },
        fingerprint({ b: 2, a: 1 }),
        'A2',
        work,
      );
      expect(first).toEqual({ response: { status: 202, body: { leadId: 'L1' } }, replayed: false });
      expect(second).toEqual({ response: { status: 202, body: { leadId: 'L1' } }, replayed: true });
      expect(runs).toBe(1);
    });

    it('when the same key comes with a different request, then 422', async () => {
      await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-2' },
        fingerprint({ a: 1 }),
        'A',
        answer(1),
      );
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-2' },
          fingerprint({ a: 2 }),
          'A',
          answer(2),
        ),
      ).rejects.toMatchObject({
        code: 'idempotency_key_reused',
        status: 422,
      });
    });

    it('when the same key is used by two tenants, then they do not collide', async () => {
      await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-3' },
        fingerprint({ a: 1 }),
        'A',
        answer('t1'),
      );
      const other = await store().run(
        { tenantId: 't2', scope: 'test', key: 'key-3' },
        fingerprint({ a: 9 }),
        'A',
        answer('t2'),
      );
      expect(other.response.body).toBe('t2');
    });

    it('when the first attempt is still running, then a second one gets 409', async () => {
      let release: () => void = () => undefined;
      const slow = store().run(
        { tenantId: 't1', scope: 'test', key: 'key-4' },
        fingerprint({ a: 1 }),
        'A',
        () => new Promise<{ status: number }>((r) => (release = () => r({ status: 202 }))),
      );
      await new Promise((r) => setTimeout(r, 50));
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-4' },
          fingerprint({ a: 1 }),
          'A',
          answer(2),
        ),
      ).rejects.toMatchObject({ code: 'conflict' });
      release();
      await slow;
    });

    it('when the answer cannot be stored, then the work that was done still answers, and is not reported as failed', async () => {
      // Over DynamoDB's 400 KB item limit: the completion write is refused.
      const huge = { status: 207, body: 'x'.repeat(450 * 1024) };
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-6' },
          fingerprint({ a: 1 }),
          'A',
          async () => huge,
        ),
      ).resolves.toEqual({ response: huge, replayed: false });
    });

    it('when the work fails, then a retry of the same request does it again under the names of the failed attempt, and its answer is replayed after', async () => {
      const seen: string[] = [];
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-5' },
          fingerprint({ a: 1 }),
          'first',
          async (attempt) => {
            seen.push(attempt);
            throw new AppError('dependency_unavailable', 'down');
          },
        ),
      ).rejects.toBeInstanceOf(AppError);
      const retried = await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-5' },
        fingerprint({ a: 1 }),
        'second',
        (a) => {
          seen.push(a);
          return answer(a)();
        },
      );
      expect(retried).toEqual({ response: { status: 202, body: 'first' }, replayed: false });
      expect(seen).toEqual(['first', 'first']);
      const replay = await store().run(
        { tenantId: 't1', scope: 'test', key: 'key-5' },
        fingerprint({ a: 1 }),
        'third',
        answer('x'),
      );
      expect(replay).toEqual({ response: { status: 202, body: 'first' }, replayed: true });
    });

    it('when the work failed, then the key stays bound to its request', async () => {
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-7' },
          fingerprint({ a: 1 }),
          'A',
          async () => {
            throw new AppError('dependency_unavailable', 'down');
          },
        ),
      ).rejects.toBeInstanceOf(AppError);
      await expect(
        store().run(
          { tenantId: 't1', scope: 'test', key: 'key-7' },
          fingerprint({ a: 2 }),
          'B',
          answer(2),
        ),
      ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    });

    /** A client whose first `kind` write is applied but its answer lost: the SDK sends it again. */
    function answerLostOnce(kind: typeof PutCommand | typeof UpdateCommand) {
      const own = createAwsClients({
        region: stack.resources.region,
        endpoint: stack.resources.endpoint,
      });
      const client = documentClient(own.dynamodb);
      const send = client.send.bind(client);
      let lost = false;
      const sentTwiceFirst = async (command: Parameters<typeof send>[0]) => {
        if (!lost && command.constructor === kind) {
          lost = true;
          await send(command);
        }
        return send(command);
      };
      jest.spyOn(client, 'send').mockImplementation(sentTwiceFirst as typeof client.send);
      return new IdempotencyStore({ client, table, logger });
    }

    it('when the claim was written but its answer lost and the SDK sent it again, then the attempt runs (not 409)', async () => {
      const lossy = answerLostOnce(PutCommand);
      const result = await lossy.run(
        { tenantId: 't1', scope: 'test', key: `lost-claim-${Date.now()}` },
        fingerprint({ a: 1 }),
        'mine',
        (a) => answer(a)(),
      );
      expect(result).toEqual({ response: { status: 202, body: 'mine' }, replayed: false });
    });

    it('when a takeover was written but its answer lost and the SDK sent it again, then the retry runs (not 409)', async () => {
      const key = { tenantId: 't1', scope: 'test', key: `lost-takeover-${Date.now()}` };
      await expect(
        store().run(key, fingerprint({ a: 1 }), 'first', async () => {
          throw new AppError('dependency_unavailable', 'down');
        }),
      ).rejects.toBeInstanceOf(AppError);
      const lossy = answerLostOnce(UpdateCommand);
      const retried = await lossy.run(key, fingerprint({ a: 1 }), 'second', (a) => answer(a)());
      expect(retried).toEqual({ response: { status: 202, body: 'first' }, replayed: false });
    });

    it('when an attempt was abandoned and its lock ran out, then a retry takes it over under its names', async () => {
      void store(0.2).run(
        { tenantId: 't1', scope: 'test', key: 'key-8' },
        fingerprint({ a: 1 }),
        'abandoned',
        () => new Promise<{ status: number }>(() => undefined),
      );
      await new Promise((r) => setTimeout(r, 400));
      const retried = await store(0.2).run(
        { tenantId: 't1', scope: 'test', key: 'key-8' },
        fingerprint({ a: 1 }),
        'retry',
        (a) => answer(a)(),
      );
      expect(retried.response.body).toBe('abandoned');
    });
  });
});
