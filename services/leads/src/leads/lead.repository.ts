import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LeadReceived, SyncStatusItem } from '@leadflow/contracts';
import {
  AppError,
  batchWriteAll,
  cancellationReasons,
  failedConditions,
  notFound,
  queryAll,
  staleVersion,
  transactWrite,
  withoutKeys,
  type CancellationReason,
  type DynamoDBDocumentClient,
  type TransactItem,
  type WriteRequest,
} from '@leadflow/core';
import type { ActivityRecord, FieldChange } from '../activities/activity.record';
import {
  LEAD_DATA_EVENTS,
  OUTBOX_SK_PREFIX,
  PARKED_SK_PREFIX,
  type OutboxItem,
} from '../outbox/outbox';
import { queryLeads, type LeadQuery } from './lead.query';
import { fromItem, leadItem, leadKey, leadPartition, type LeadRecord } from './lead.record';

export const ERASED = '[erased]';

/** One change of a lead and everything that must happen with it, in one transaction. */
export interface LeadWrite {
  lead: LeadRecord;
  /** The version the change was based on; absent when the lead is new. */
  expectedVersion?: number;
  activities?: ActivityRecord[];
  outbox?: OutboxItem[];
  /** The submission as received; immutable, kept beside the lead. */
  raw?: LeadReceived;
  /** The id ingestion gave the submission: claiming it makes intake exactly-once in effect. */
  intakeOf?: string;
  /** A de-duplication key to claim for this lead. */
  claimEmail?: string;
  /** A lead whose claim of that key is stale (it no longer holds it): the claim is taken over. */
  takeOverClaimOf?: string;
  /** De-duplication keys this lead gives up. */
  releaseEmails?: string[];
}

/** The submission was already taken in: a redelivered message. */
export class AlreadyTakenIn extends Error {}

/** The e-mail belongs to another lead. */
export class EmailTaken extends Error {
  constructor(readonly leadId: string) {
    super(`the e-mail belongs to lead ${leadId}`);
  }
}

/** One expression value per event type that carries a lead's data, e.g. `:dataEvent0`. */
const LEAD_DATA_EVENT_VALUES = Object.fromEntries(
  LEAD_DATA_EVENTS.map((detailType, index) => [`:dataEvent${index}`, detailType]),
);

/**
 * An activity as erasure leaves it: which fields changed, not their values; a merged
 * submission's origin, not what it said. Undefined when it holds no personal data.
 */
function erasedActivity(item: Record<string, unknown>): Record<string, unknown> | undefined {
  const { changes, submission } = item as Partial<ActivityRecord>;
  if (!Array.isArray(changes) && !submission) return undefined;
  const erased: Record<string, unknown> = { ...item };
  if (Array.isArray(changes))
    erased.changes = changes.map((c) => ({ field: c.field, from: ERASED, to: ERASED }));
  if (submission) {
    const { source, formId, eventId } = submission;
    erased.submission = { source, eventId, ...(formId ? { formId } : {}) };
  }
  return erased;
}

/** The e-mails changes went from or to, unless erased since. */
function emailsChangedIn(changes: FieldChange[] | undefined): string[] {
  return (changes ?? [])
    .filter((change) => change.field === 'email')
    .flatMap((change) => [change.from, change.to])
    .filter((value): value is string => typeof value === 'string' && value !== ERASED);
}

export const dedupeKeyItem = (tenantId: string, dedupeKey: string) => ({
  PK: `TENANT#${tenantId}#DEDUPE#${dedupeKey}`,
  SK: 'DEDUPE',
});
const intakeKeyItem = (tenantId: string, receivedLeadId: string) => ({
  PK: `TENANT#${tenantId}#INTAKE#${receivedLeadId}`,
  SK: 'INTAKE',
});

export class LeadRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /** One item, read consistently. */
  private async item(Key: {
    PK: string;
    SK: string;
  }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key, ConsistentRead: true }),
    );
    return Item;
  }

  /** The lead a claim or an intake record names. */
  private async leadIdAt(Key: { PK: string; SK: string }): Promise<string | undefined> {
    return (await this.item(Key))?.leadId as string | undefined;
  }

  async get(tenantId: string, leadId: string): Promise<LeadRecord | undefined> {
    const item = await this.item(leadKey(tenantId, leadId));
    return item ? fromItem(item) : undefined;
  }

  async require(tenantId: string, leadId: string): Promise<LeadRecord> {
    const lead = await this.get(tenantId, leadId);
    if (!lead) throw notFound('Lead');
    return lead;
  }

  /** The lead that owns a de-duplication key, if any. */
  async ownerOfEmail(tenantId: string, dedupeKey: string): Promise<string | undefined> {
    return this.leadIdAt(dedupeKeyItem(tenantId, dedupeKey));
  }

  /**
   * The lead that took the submission with this id in: the lead of that id, or the one intake
   * merged it into. Undefined until intake took it in.
   */
  async takenInBy(tenantId: string, receivedLeadId: string): Promise<string | undefined> {
    return (await this.item(intakeKeyItem(tenantId, receivedLeadId)))?.leadId as string | undefined;
  }

  async write(change: LeadWrite): Promise<void> {
    const { lead } = change;
    const items: Array<{ item: TransactItem; onConflict: (reason: CancellationReason) => Error }> =
      [];
    const put = (
      Item: Record<string, unknown>,
      condition?: Omit<NonNullable<TransactItem['Put']>, 'TableName' | 'Item'>,
    ) => ({
      Put: { TableName: this.table, Item, ...condition },
    });
    // First, so a redelivered submission is recognised as such before anything else.
    if (change.intakeOf) {
      items.push({
        item: put(
          {
            ...intakeKeyItem(lead.tenantId, change.intakeOf),
            leadId: lead.leadId,
            at: lead.updatedAt,
          },
          { ConditionExpression: 'attribute_not_exists(PK)' },
        ),
        onConflict: () => new AlreadyTakenIn(),
      });
    }
    items.push({
      item:
        change.expectedVersion === undefined
          ? put(leadItem(lead), { ConditionExpression: 'attribute_not_exists(PK)' })
          : put(leadItem(lead), {
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': change.expectedVersion },
            }),
      onConflict: () =>
        change.expectedVersion === undefined
          ? new AppError('conflict', 'The lead already exists')
          : staleVersion(),
    });
    if (change.claimEmail) {
      items.push({
        item: put(
          { ...dedupeKeyItem(lead.tenantId, change.claimEmail), leadId: lead.leadId },
          {
            ConditionExpression: 'attribute_not_exists(PK) OR leadId IN (:lead, :stale)',
            ExpressionAttributeValues: {
              ':lead': lead.leadId,
              ':stale': change.takeOverClaimOf ?? lead.leadId,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        ),
        onConflict: (reason) =>
          new EmailTaken(
            String(
              reason.Item
                ? unmarshall(reason.Item as Parameters<typeof unmarshall>[0]).leadId
                : 'unknown',
            ),
          ),
      });
    }
    for (const released of change.releaseEmails ?? []) {
      items.push({
        item: {
          Delete: {
            TableName: this.table,
            Key: dedupeKeyItem(lead.tenantId, released),
            ConditionExpression: 'attribute_not_exists(PK) OR leadId = :lead',
            ExpressionAttributeValues: { ':lead': lead.leadId },
          },
        },
        onConflict: () =>
          new AppError('conflict', 'The lead’s e-mail changed meanwhile; try again'),
      });
    }
    const below = leadPartition(lead.tenantId, lead.leadId);
    if (change.raw) {
      items.push({
        item: put(
          { PK: below, SK: `RAW#${change.raw.eventId}`, submission: change.raw },
          { ConditionExpression: 'attribute_not_exists(PK)' },
        ),
        onConflict: () => new AlreadyTakenIn(),
      });
    }
    for (const activity of change.activities ?? []) {
      items.push({
        item: put({ PK: below, SK: `ACT#${activity.activityId}`, ...activity }),
        onConflict: () => new Error('activity conflict'),
      });
    }
    for (const event of change.outbox ?? []) {
      items.push({ item: put({ ...event }), onConflict: () => new Error('outbox conflict') });
    }
    try {
      await transactWrite(
        this.db,
        items.map((i) => i.item),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      const failed = failedConditions(error)?.[0];
      if (failed !== undefined) throw items[failed]!.onConflict(reasons![failed]!);
      throw error;
    }
  }

  /** Which of these de-duplication keys are claimed by the lead. */
  async claimsOf(tenantId: string, leadId: string, dedupeKeys: string[]): Promise<string[]> {
    const owners = await Promise.all(dedupeKeys.map((key) => this.ownerOfEmail(tenantId, key)));
    return dedupeKeys.filter((_key, index) => owners[index] === leadId);
  }

  /**
   * The e-mails the lead's timeline says it had before, not yet erased there: leads changed their
   * e-mail before claims moved with it, and those left claims behind.
   */
  async pastEmails(tenantId: string, leadId: string): Promise<string[]> {
    const activities = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :act)',
      ExpressionAttributeValues: { ':pk': leadPartition(tenantId, leadId), ':act': 'ACT#' },
      ProjectionExpression: 'changes',
    });
    const emails = activities.flatMap((item) =>
      emailsChangedIn(item.changes as FieldChange[] | undefined),
    );
    return [...new Set(emails)];
  }

  list(query: LeadQuery) {
    return queryLeads(this.db, this.table, query);
  }

  /**
   * Erasure of what lies under a lead: raw submissions, notes and parked events (which carry
   * the lead's snapshot) are deleted, activities keep only which fields changed. Sync status
   * stays: the CRMs' record ids are needed to erase there.
   */
  async purgeBelow(tenantId: string, leadId: string): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': leadPartition(tenantId, leadId) },
          ExclusiveStartKey: startKey,
          Limit: 100,
        }),
      );
      const writes = (page.Items ?? []).flatMap((item): WriteRequest[] => {
        const sk = String(item.SK);
        if (sk.startsWith('RAW#') || sk.startsWith('NOTE#') || sk.startsWith(PARKED_SK_PREFIX))
          return [{ DeleteRequest: { Key: { PK: item.PK, SK: item.SK } } }];
        if (sk.startsWith('ACT#')) {
          const erased = erasedActivity(item);
          return erased ? [{ PutRequest: { Item: erased } }] : [];
        }
        return [];
      });
      await batchWriteAll(this.db, this.table, writes);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Removes the lead's events still waiting in its outbox partition that carry its data
   * (lead.created/updated below `belowVersion`): an erased lead's data must not go out after the
   * erasure answered. Its lead.erased, at `belowVersion`, stays.
   */
  async purgePendingChanges(
    tenantId: string,
    leadId: string,
    outboxPartition: string,
    belowVersion: number,
  ): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          FilterExpression: `tenantId = :tenant AND leadId = :lead AND #version < :below AND detailType IN (${Object.keys(LEAD_DATA_EVENT_VALUES).join(', ')})`,
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':pk': outboxPartition,
            ':prefix': OUTBOX_SK_PREFIX,
            ':tenant': tenantId,
            ':lead': leadId,
            ':below': belowVersion,
            ...LEAD_DATA_EVENT_VALUES,
          },
          ProjectionExpression: 'PK, SK',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      await batchWriteAll(
        this.db,
        this.table,
        (page.Items ?? []).map((item) => ({
          DeleteRequest: { Key: { PK: item.PK, SK: item.SK } },
        })),
      );
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async syncStatus(tenantId: string, leadId: string): Promise<SyncStatusItem[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': leadPartition(tenantId, leadId), ':prefix': 'SYNC#' },
      }),
    );
    return Items.map((item) => withoutKeys<SyncStatusItem>(item));
  }
}
