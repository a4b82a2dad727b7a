import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  batchWriteAll,
  failedConditions,
  isConditionalCheckFailure,
  PublishError,
  type DynamoDBDocumentClient,
  type EventPublisher,
  type Logger,
  transactWrite,
} from '@leadflow/core';
import {
  carriesLeadData,
  OUTBOX_SK_PREFIX,
  parkedKey,
  shardPartition,
  type OutboxItem,
  type ParkedEvent,
} from './outbox';
import { leadKey } from '../leads/lead.record';

export interface RelayOptions {
  db: DynamoDBDocumentClient;
  table: string;
  publisher: EventPublisher;
  logger: Logger;
  shards: number;
  /** How often every shard is looked at when nothing kicks the relay. */
  pollMs: number;
  /** A relay that stops renewing loses its shards to another after this. */
  leaseMs?: number;
  batchSize?: number;
}

const LEASE_SK = 'LEASE';

/**
 * What EventBridge refuses in the entry itself, however often it is sent: the publisher's size
 * check before the call (TooLarge) and PutEvents' per-entry MalformedDetail and InvalidArgument.
 * Refusals that concern the configuration or the whole call (AccessDeniedException,
 * NotAuthorizedFor…, ValidationException) refuse every event alike and are retried instead:
 * parking them would empty the outbox into parked records until the configuration is fixed.
 */
const UNPUBLISHABLE = new Set(['TooLarge', 'MalformedDetail', 'InvalidArgument']);

interface Refused {
  item: OutboxItem;
  error: PublishError;
}

const unpublishable = (reason: unknown): reason is PublishError =>
  reason instanceof PublishError && UNPUBLISHABLE.has(reason.errorCode);

/**
 * Publishes the outbox: each shard is leased to one relay at a time, its events published
 * oldest first (a lead's events in version order) and deleted only after EventBridge
 * accepted them. A relay that dies between publishing and deleting leaves the events to be
 * published again by the next holder of the lease: at least once, never lost. An event
 * EventBridge can never accept is parked under its lead instead, so the lead's later events
 * still go out.
 */
export class OutboxRelay {
  readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  private readonly leaseMs: number;

  constructor(private readonly options: RelayOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Publishes now rather than at the next poll: called after every local commit. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Finishes the pass in progress; what is left stays for the next relay. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every shard; answers how many events were published. */
  async drain(): Promise<number> {
    let published = 0;
    for (let shard = 0; shard < this.options.shards; shard++) {
      published += await this.publishShard(shard);
    }
    return published;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = this.drain()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'outbox relay pass failed; retrying'),
      )
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const immediately = this.again;
        this.again = false;
        this.schedule(immediately ? 0 : this.options.pollMs);
      });
    await this.running;
  }

  /** Takes or renews the shard's lease; answers until when it is held, or undefined. */
  private async lease(shard: number): Promise<number | undefined> {
    const now = Date.now();
    const leaseUntil = now + this.leaseMs;
    try {
      await this.options.db.send(
        new PutCommand({
          TableName: this.options.table,
          Item: {
            PK: shardPartition(shard),
            SK: LEASE_SK,
            owner: this.owner,
            leaseUntil,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR leaseUntil < :now OR #owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':me': this.owner },
        }),
      );
      return leaseUntil;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Publishes a shard page by page while this relay holds its lease, renewed before each page;
   * a page must be done well within the lease, so no other relay can take the shard meanwhile.
   */
  private async publishShard(shard: number): Promise<number> {
    let published = 0;
    for (;;) {
      const leasedAt = Date.now();
      if ((await this.lease(shard)) === undefined) return published;
      const { Items = [] } = await this.options.db.send(
        new QueryCommand({
          TableName: this.options.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': shardPartition(shard), ':prefix': OUTBOX_SK_PREFIX },
          Limit: this.options.batchSize ?? 50,
          ConsistentRead: true,
        }),
      );
      if (Items.length === 0) return published;
      const { done, withheld, refused } = await this.publishInOrder(
        Items as OutboxItem[],
        leasedAt + this.leaseMs / 2,
      );
      await this.remove([...done, ...withheld]);
      for (const { item, error } of refused) await this.park(item, error);
      published += done.length;
      if (done.length + withheld.length + refused.length < Items.length) return published;
    }
  }

  /**
   * Publishes a page in rounds: a lead's next event goes out only after its previous one was
   * accepted or refused for good, and a lead whose event failed otherwise gets none of its later
   * ones published. The data-carrying events of a lead erased meanwhile are withheld.
   */
  private async publishInOrder(
    items: OutboxItem[],
    deadline: number,
  ): Promise<{ done: OutboxItem[]; withheld: OutboxItem[]; refused: Refused[] }> {
    const byLead = new Map<string, OutboxItem[]>();
    for (const item of [...items].sort((a, b) => a.version - b.version)) {
      const events = byLead.get(item.leadId) ?? [];
      events.push(item);
      byLead.set(item.leadId, events);
    }
    const done: OutboxItem[] = [];
    const withheld: OutboxItem[] = [];
    const refused: Refused[] = [];
    let failed = 0;
    for (let round = 0; byLead.size > 0; round++) {
      const batch = [...byLead.entries()].map(([leadId, events]) => ({
        leadId,
        item: events[round]!,
      }));
      const erased = await this.ofErasedLeads(batch.map(({ item }) => item));
      const sent = batch.filter(({ item }) => !erased.has(item));
      const results = await this.options.publisher.publishAll(
        sent.map(({ item }) => ({ detailType: item.detailType, detail: item.detail })),
        { deadline },
      );
      const resultOf = new Map(sent.map((entry, index) => [entry, results[index]!]));
      batch.forEach((entry) => {
        const { leadId, item } = entry;
        const result = resultOf.get(entry);
        if (!result) withheld.push(item);
        else if (result.status === 'fulfilled') done.push(item);
        else if (unpublishable(result.reason)) refused.push({ item, error: result.reason });
        else {
          failed += 1;
          byLead.delete(leadId);
        }
        if (byLead.get(leadId)?.length === round + 1) byLead.delete(leadId);
      });
    }
    if (failed > 0)
      this.options.logger.warn(
        { failed },
        'outbox events not published; they stay for the next pass',
      );
    if (withheld.length > 0)
      this.options.logger.info(
        { withheld: withheld.length },
        'outbox events of leads erased since they were read withheld: their data is erased',
      );
    return { done, withheld, refused };
  }

  /**
   * Of `items`, those carrying the data of a lead erased since the relay read them: the erasure
   * purged them from the outbox, but not from this page in memory. Read right before they
   * would be sent, so that an erasure that has answered is not followed by the lead's data.
   */
  private async ofErasedLeads(items: OutboxItem[]): Promise<Set<OutboxItem>> {
    const carrying = items.filter(carriesLeadData);
    if (carrying.length === 0) return new Set();
    const leadOf = (item: { tenantId?: unknown; leadId?: unknown }) =>
      `${String(item.tenantId)}/${String(item.leadId)}`;
    const leads = new Map(
      carrying.map((item) => [leadOf(item), leadKey(item.tenantId, item.leadId)]),
    );
    const found = await batchGetAll(
      this.options.db,
      this.options.table,
      [...leads.values()],
      'tenantId, leadId, erasedAt',
    );
    const erased = new Set(found.filter((lead) => lead.erasedAt !== undefined).map(leadOf));
    return new Set(carrying.filter((item) => erased.has(leadOf(item))));
  }

  /**
   * Moves an event EventBridge can never accept from the outbox to a parked record, unless it
   * carries the data of a lead erased meanwhile: the erasure purged what was parked, so such an
   * event is dropped. A lead.erased or lead.deleted holds no data and is always parked.
   */
  private async park(item: OutboxItem, error: PublishError): Promise<void> {
    const parked: ParkedEvent = {
      ...item,
      ...parkedKey(item),
      errorCode: error.errorCode,
      reason: error.message,
      parkedAt: new Date().toISOString(),
    };
    const fromOutbox = {
      Delete: { TableName: this.options.table, Key: { PK: item.PK, SK: item.SK } },
    };
    try {
      const notErased = {
        ConditionCheck: {
          TableName: this.options.table,
          Key: leadKey(item.tenantId, item.leadId),
          ConditionExpression: 'attribute_not_exists(erasedAt)',
        },
      };
      const park = [{ Put: { TableName: this.options.table, Item: parked } }, fromOutbox];
      await transactWrite(this.options.db, carriesLeadData(item) ? [notErased, ...park] : park);
    } catch (cause) {
      if (!failedConditions(cause)?.includes(0)) throw cause;
      await transactWrite(this.options.db, [fromOutbox]);
      this.options.logger.warn(
        { tenantId: item.tenantId, leadId: item.leadId, version: item.version },
        'outbox event of an erased lead dropped: EventBridge refused it, and its data is erased',
      );
      return;
    }
    this.options.logger.error(
      {
        tenantId: item.tenantId,
        leadId: item.leadId,
        version: item.version,
        detailType: item.detailType,
        errorCode: error.errorCode,
        reason: error.message,
        parked: parkedKey(item),
      },
      'outbox event parked: EventBridge can never accept it',
    );
  }

  private remove(items: OutboxItem[]): Promise<void> {
    return batchWriteAll(
      this.options.db,
      this.options.table,
      items.map((item) => ({ DeleteRequest: { Key: { PK: item.PK, SK: item.SK } } })),
    );
  }
}
