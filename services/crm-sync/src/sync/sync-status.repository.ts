import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leadKeys, type SyncState, type SyncStatusItem } from '@leadflow/contracts';
import {
  conditionFailureItem,
  isConditionalCheckFailure,
  withoutKeys,
  type DynamoDBDocumentClient,
} from '@leadflow/core';

export interface StatusWrite {
  connectionId: string;
  crmType: string;
  state: SyncState;
  leadVersion: number;
  lastAttemptAt: string;
  /** A value sets it, null removes it, undefined keeps what is there. */
  externalId?: string | null;
  lastError?: string | null;
}

export type WriteOutcome = { written: true } | { written: false; current?: SyncStatusItem };

const BATCH_GET_LIMIT = 100;

/**
 * The SYNC#<connection> items under each lead, which the leads API shows. Every write is
 * conditional: it applies to a lead version newer than the one recorded, or to the same
 * version while that is not yet synced — so a redelivered or older change never overwrites
 * a newer state.
 */
export class SyncStatusRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(
    tenantId: string,
    connectionId: string,
    leadIds: readonly string[],
  ): Promise<Map<string, SyncStatusItem>> {
    const found = new Map<string, SyncStatusItem>();
    const unique = [...new Set(leadIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let keys: Array<Record<string, unknown>> = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((leadId) => leadKeys.syncStatus(tenantId, leadId, connectionId));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        if (attempt > 5) throw new Error('DynamoDB left sync status keys unprocessed');
        const result = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.table] ?? []) {
          const leadId = /#LEAD#(.+)$/.exec(String(item.PK))?.[1];
          if (leadId) found.set(leadId, withoutKeys<SyncStatusItem>(item));
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  async write(tenantId: string, leadId: string, status: StatusWrite): Promise<WriteOutcome> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {
      ':connectionId': status.connectionId,
      ':crmType': status.crmType,
      ':state': status.state,
      ':version': status.leadVersion,
      ':at': status.lastAttemptAt,
      ':synced': 'synced',
    };
    const sets = [
      'connectionId = :connectionId',
      'crmType = :crmType',
      '#state = :state',
      'leadVersion = :version',
      'lastAttemptAt = :at',
    ];
    const removes: string[] = [];
    for (const attribute of ['externalId', 'lastError'] as const) {
      const value = status[attribute];
      if (value === null) removes.push(attribute);
      else if (value !== undefined) {
        values[`:${attribute}`] = value;
        sets.push(`${attribute} = :${attribute}`);
      }
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: leadKeys.syncStatus(tenantId, leadId, status.connectionId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression:
            'attribute_not_exists(PK) OR leadVersion < :version OR (leadVersion = :version AND #state <> :synced)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const current = conditionFailureItem(error);
      return {
        written: false,
        ...(current ? { current: withoutKeys<SyncStatusItem>(current) } : {}),
      };
    }
  }
}
