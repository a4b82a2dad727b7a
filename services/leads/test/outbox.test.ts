import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { createLogger, documentClient, EventPublisher, type PutEventsSender } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import { shardOf } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/relay';
import { bearer, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

const SHARDS = 4;

describe('the outbox: every change and its event, atomically, published at least once', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await startLeadsHarness({ OUTBOX_SHARDS: String(SHARDS) });
    tenant = await h.createTenant('outbox');
  });
  afterAll(() => h.close());

  async function pendingEvents(): Promise<number> {
    let count = 0;
    for (let shard = 0; shard < SHARDS; shard++) {
      const { Items = [] } = await documentClient(h.aws.dynamodb).send(
        new QueryCommand({
          TableName: h.stack.resources.tables.leads,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :ev)',
          ExpressionAttributeValues: { ':pk': `OUTBOX#${shard}`, ':ev': 'EV#' },
        }),
      );
      count += Items.length;
    }
    return count;
  }

  async function drainCrmQueue(): Promise<
    Array<{ 'detail-type': string; detail: { leadId: string; version: number } }>
  > {
    const all = [];
    for (;;) {
      const batch = await h.receiveLeadEvents();
      if (batch.length === 0) return all;
      all.push(...batch);
    }
  }

  /** EventBridge (the emulator), each call answered after `delayMs` more: a slow day in AWS. */
  function slowEventBridge(delayMs: number): PutEventsSender {
    return {
      send: async (command) => {
        await new Promise((r) => setTimeout(r, delayMs));
        return h.aws.eventBridge.send(command);
      },
    };
  }

  /** A lead created, then updated: two events waiting in the outbox. */
  async function createdThenUpdated(email: string): Promise<string> {
    const created = await request(h.leads.app)
      .post('/v1/leads')
      .set(bearer(tenant.admin.token))
      .send({ fields: { email } })
      .expect(201);
    await request(h.leads.app)
      .patch(`/v1/leads/${created.body.id}`)
      .set(bearer(tenant.admin.token))
      .set('If-Match', '"1"')
      .send({ status: 'contacted' })
      .expect(200);
    return created.body.id;
  }

  function relay(
    leaseMs: number,
    batchSize?: number,
    client: PutEventsSender = h.aws.eventBridge,
    logger = createLogger({ service: 'test', level: 'silent' }),
  ) {
    const publisher = new EventPublisher({
      client,
      busName: h.stack.resources.busName,
      source: 'leadflow.leads',
      logger,
    });
    return new OutboxRelay({
      db: documentClient(h.aws.dynamodb),
      table: h.stack.resources.tables.leads,
      publisher,
      logger,
      shards: SHARDS,
      pollMs: 100,
      leaseMs,
      ...(batchSize ? { batchSize } : {}),
    });
  }

  it('when the service dies between a change and its publication, then a later relay publishes every event, in order per lead', async () => {
    // The service's own relay never runs: as if the task was killed right after each commit.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createdThenUpdated(`o${i}@example.com`));
    expect(await pendingEvents()).toBe(10);
    expect(await drainCrmQueue()).toEqual([]);

    // A lease long enough for a loaded machine: a page's PutEvents may take half of it before
    // it is given up on and its events sent again (at least once, but this test counts once).
    const survivor = relay(4_000);
    survivor.start();
    await eventually(async () => ((await pendingEvents()) === 0 ? true : undefined), 20_000);
    await survivor.stop();

    const delivered = (await drainCrmQueue()).filter((e) => ids.includes(e.detail.leadId));
    for (const id of ids) {
      const versions = delivered
        .filter((e) => e.detail.leadId === id)
        .map((e) => `${e['detail-type']}@${e.detail.version}`);
      expect(versions).toEqual(['lead.created@1', 'lead.updated@2']);
    }
  });

  it('when a relay holding the lease dies, then another takes over once the lease expires and nothing is lost', async () => {
    // A relay took every shard's lease and was killed mid-pass: it never publishes nor renews.
    for (let shard = 0; shard < SHARDS; shard++) {
      await documentClient(h.aws.dynamodb).send(
        new PutCommand({
          TableName: h.stack.resources.tables.leads,
          Item: {
            PK: `OUTBOX#${shard}`,
            SK: 'LEASE',
            owner: 'killed-task',
            leaseUntil: Date.now() + 1_000,
          },
        }),
      );
    }
    const created = await request(h.leads.app)
      .post('/v1/leads')
      .set(bearer(tenant.admin.token))
      .send({ fields: { email: 'lease@example.com' } });
    const successor = relay(1_000);
    expect(await successor.drain()).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await successor.drain()).toBe(1);
    const delivered = (await drainCrmQueue()).filter((e) => e.detail.leadId === created.body.id);
    expect(delivered.map((e) => e['detail-type'])).toEqual(['lead.created']);
  });

  /** Enters `count` leads; answers their ids. */
  async function enterLeads(count: number, emailPrefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push(
        (
          await request(h.leads.app)
            .post('/v1/leads')
            .set(bearer(tenant.admin.token))
            .send({ fields: { email: `${emailPrefix}${i}@example.com` } })
        ).body.id,
      );
    return ids;
  }

  /** Runs the relays until the outbox is empty; expects each lead's event delivered once. */
  async function expectPublishedOnce(relays: OutboxRelay[], ids: string[]): Promise<void> {
    relays.forEach((r) => r.start());
    await eventually(async () => ((await pendingEvents()) === 0 ? true : undefined), 30_000);
    await Promise.all(relays.map((r) => r.stop()));
    const delivered = (await drainCrmQueue()).filter((e) => ids.includes(e.detail.leadId));
    expect(delivered).toHaveLength(ids.length);
    expect(new Set(delivered.map((e) => e.detail.leadId)).size).toBe(ids.length);
  }

  it('when several relays run at once, then each event is published once', async () => {
    const ids = await enterLeads(8, 'm');
    await expectPublishedOnce([relay(10_000), relay(10_000), relay(10_000)], ids);
  });

  it('when a relay needs longer than its lease for a shard, then it renews the lease page by page and no other relay publishes the same events', async () => {
    const ids = await enterLeads(60, 'slow');
    // One event per page, each page a slow round trip to EventBridge: a shard (60 pages, 5 s at
    // least) takes longer than its lease, while each page stays well within it, even on a
    // loaded machine (a page not published within half the lease is sent again).
    const relays = [1, 2, 3].map(() => relay(2_000, 1, slowEventBridge(80)));
    await expectPublishedOnce(relays, ids);
  });

  describe('an event EventBridge can never accept', () => {
    const db = () => documentClient(h.aws.dynamodb);
    const table = () => h.stack.resources.tables.leads;
    /** The EventBridge the relay under test talks to: the emulator, unless a test says otherwise. */
    let eventBridge: PutEventsSender;
    let publishing: OutboxRelay;
    const errorsLogged: Array<Record<string, unknown>> = [];

    beforeAll(async () => {
      // The leases earlier tests' relays hold would keep a new relay waiting: they expire now.
      for (let shard = 0; shard < SHARDS; shard++)
        await db().send(
          new DeleteCommand({ TableName: table(), Key: { PK: `OUTBOX#${shard}`, SK: 'LEASE' } }),
        );
      publishing = relay(
        10_000,
        undefined,
        { send: (command) => eventBridge.send(command) },
        createLogger({
          service: 'test',
          level: 'error',
          destination: { write: (line: string) => errorsLogged.push(JSON.parse(line)) },
        }),
      );
    });
    beforeEach(() => {
      eventBridge = h.aws.eventBridge;
      errorsLogged.length = 0;
    });

    async function outboxOf(leadId: string): Promise<Array<Record<string, unknown>>> {
      const { Items = [] } = await db().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :ev)',
          FilterExpression: 'leadId = :lead',
          ExpressionAttributeValues: {
            ':pk': `OUTBOX#${shardOf(leadId, SHARDS)}`,
            ':ev': 'EV#',
            ':lead': leadId,
          },
          ConsistentRead: true,
        }),
      );
      return Items;
    }

    async function parkedOf(leadId: string): Promise<Array<Record<string, unknown>>> {
      const { Items = [] } = await db().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :parked)',
          ExpressionAttributeValues: {
            ':pk': `TENANT#${tenant.id}#LEAD#${leadId}`,
            ':parked': 'PARKED#',
          },
          ConsistentRead: true,
        }),
      );
      return Items;
    }

    /** A lead whose first event `spoil` turns into one EventBridge refuses, followed by a good one. */
    async function leadWithSpoiledFirstEvent(
      email: string,
      spoil: (event: Record<string, unknown>) => Record<string, unknown>,
    ): Promise<string> {
      const id = await createdThenUpdated(email);
      const [first] = await outboxOf(id);
      expect(first).toMatchObject({ detailType: 'lead.created', version: 1 });
      await db().send(new PutCommand({ TableName: table(), Item: spoil(first!) }));
      return id;
    }

    const oversized = (event: Record<string, unknown>) => ({
      ...event,
      detail: { ...(event.detail as object), padding: 'x'.repeat(300 * 1024) },
    });

    async function deliveredTo(leadId: string): Promise<string[]> {
      return (await drainCrmQueue())
        .filter((e) => e.detail.leadId === leadId)
        .map((e) => `${e['detail-type']}@${e.detail.version}`);
    }

    it('when a lead’s event is over EventBridge’s 256 KiB limit, then it is parked under the lead without costing a PutEvents call, and the lead’s later events still go out', async () => {
      const id = await leadWithSpoiledFirstEvent('huge@example.com', oversized);
      const sent: string[] = [];
      eventBridge = {
        send: (command) => {
          for (const entry of command.input.Entries ?? [])
            if (entry.Detail?.includes(id)) sent.push(entry.DetailType!);
          return h.aws.eventBridge.send(command);
        },
      };

      await publishing.drain();

      expect(await deliveredTo(id)).toEqual(['lead.updated@2']);
      expect(sent).toEqual(['lead.updated']);
      expect(await outboxOf(id)).toEqual([]);
      expect(await parkedOf(id)).toEqual([
        expect.objectContaining({
          tenantId: tenant.id,
          leadId: id,
          detailType: 'lead.created',
          version: 1,
          errorCode: 'TooLarge',
          reason: expect.stringContaining('256 KiB'),
          parkedAt: expect.any(String),
          detail: expect.objectContaining({ leadId: id, padding: expect.any(String) }),
        }),
      ]);
      expect(errorsLogged).toEqual([
        expect.objectContaining({
          level: 'error',
          tenantId: tenant.id,
          leadId: id,
          detailType: 'lead.created',
          errorCode: 'TooLarge',
          reason: expect.stringContaining('256 KiB'),
        }),
      ]);
    });

    it('when EventBridge refuses a lead’s event as invalid, then it is parked with EventBridge’s error code and the lead’s later events still go out', async () => {
      // Without a detail the entry has no Detail: EventBridge answers InvalidArgument for it.
      const id = await leadWithSpoiledFirstEvent('invalid@example.com', (event) => {
        const { detail: _detail, ...rest } = event;
        return rest;
      });

      await publishing.drain();

      expect(await deliveredTo(id)).toEqual(['lead.updated@2']);
      expect(await outboxOf(id)).toEqual([]);
      expect(await parkedOf(id)).toEqual([
        expect.objectContaining({ detailType: 'lead.created', errorCode: 'InvalidArgument' }),
      ]);
    });

    it('when a lead with a parked event is erased, then the parked event, which holds its personal data, is gone too', async () => {
      const id = await leadWithSpoiledFirstEvent('parked.erase@example.com', oversized);
      await publishing.drain();
      expect(await parkedOf(id)).toHaveLength(1);

      await request(h.leads.app)
        .post(`/v1/leads/${id}/erasure`)
        .set(bearer(tenant.admin.token))
        .expect(200);

      expect(await parkedOf(id)).toEqual([]);
    });

    it('when a lead is erased while its earlier events still wait in the outbox, then they are removed with its data and only lead.erased goes out', async () => {
      const id = await createdThenUpdated('pending.erase@example.com');
      expect(await outboxOf(id)).toHaveLength(2);

      await request(h.leads.app)
        .post(`/v1/leads/${id}/erasure`)
        .set(bearer(tenant.admin.token))
        .expect(200);

      expect(JSON.stringify(await outboxOf(id))).not.toContain('pending.erase');
      await publishing.drain();
      expect(await deliveredTo(id)).toEqual(['lead.erased@3']);
    });

    it('when an event EventBridge refuses belongs to a lead erased meanwhile, then it is dropped, not parked with the erased data', async () => {
      const id = await leadWithSpoiledFirstEvent('late.park@example.com', oversized);
      const [spoiled] = await outboxOf(id);
      await request(h.leads.app)
        .post(`/v1/leads/${id}/erasure`)
        .set(bearer(tenant.admin.token))
        .expect(200);
      // The relay had read the event before the erasure removed it: it meets it afterwards.
      await db().send(new PutCommand({ TableName: table(), Item: spoiled! }));

      await publishing.drain();

      expect(await parkedOf(id)).toEqual([]);
      expect(await outboxOf(id)).toEqual([]);
      expect(await deliveredTo(id)).toEqual(['lead.erased@3']);
    });

    it('when a lead is erased after a relay read its earlier events, then the relay withholds them and only lead.erased goes out', async () => {
      const id = await createdThenUpdated('read.before.erasure@example.com');
      const readByRelay = await outboxOf(id);
      await request(h.leads.app)
        .post(`/v1/leads/${id}/erasure`)
        .set(bearer(tenant.admin.token))
        .expect(200);
      // What the relay holds in memory, as if the erasure had purged the outbox after it read.
      for (const event of readByRelay)
        await db().send(new PutCommand({ TableName: table(), Item: event }));

      await publishing.drain();

      expect(await deliveredTo(id)).toEqual(['lead.erased@3']);
      expect(await outboxOf(id)).toEqual([]);
      expect(await parkedOf(id)).toEqual([]);
    });

    it('when EventBridge refuses the lead.erased of an erased lead, then it is parked, not dropped: it holds no personal data and tells of an erasure the CRMs still owe', async () => {
      const id = await createdThenUpdated('refused.erasure@example.com');
      await request(h.leads.app)
        .post(`/v1/leads/${id}/erasure`)
        .set(bearer(tenant.admin.token))
        .expect(200);
      const [erased] = await outboxOf(id);
      expect(erased).toMatchObject({ detailType: 'lead.erased' });
      const { detail: _detail, ...withoutDetail } = erased!;
      await db().send(new PutCommand({ TableName: table(), Item: withoutDetail }));

      await publishing.drain();

      expect(await outboxOf(id)).toEqual([]);
      expect(await parkedOf(id)).toEqual([
        expect.objectContaining({ detailType: 'lead.erased', errorCode: 'InvalidArgument' }),
      ]);
    });

    it('when EventBridge fails for a while (outage, throttling), then nothing is parked and the lead’s events go out in order once it recovers', async () => {
      const id = await createdThenUpdated('outage@example.com');
      // Calls fail alternately whole (InternalException) and per entry (ThrottlingException).
      let outage = true;
      let calls = 0;
      eventBridge = {
        send: async (command) => {
          if (!outage) return h.aws.eventBridge.send(command);
          calls += 1;
          if (calls % 2 === 1)
            throw Object.assign(new Error('internal error'), { name: 'InternalException' });
          const Entries = (command.input.Entries ?? []).map(() => ({
            ErrorCode: 'ThrottlingException',
            ErrorMessage: 'Rate exceeded',
          }));
          return { $metadata: {}, FailedEntryCount: Entries.length, Entries };
        },
      };

      await publishing.drain();
      expect(calls).toBeGreaterThan(1);
      expect(await outboxOf(id)).toHaveLength(2);
      expect(await parkedOf(id)).toEqual([]);
      expect(errorsLogged).toEqual([]);

      outage = false;
      await publishing.drain();
      expect(await deliveredTo(id)).toEqual(['lead.created@1', 'lead.updated@2']);
      expect(await outboxOf(id)).toEqual([]);
      expect(await parkedOf(id)).toEqual([]);
    });
  });
});
