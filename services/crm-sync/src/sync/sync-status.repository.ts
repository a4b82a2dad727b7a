import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leadKeys, type SyncState, type SyncStatusItem } from '@leadflow/contracts';
import {
  conditionFailureItem,
  isConditionalCheckFailure,
  queryAll,
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
  /** When this attempt claimed the lead (its lastAttemptAt then): its own claim is no obstacle. */
  claimedAt?: string;
  /** A request went out and no answer came: the lead stays held, as by a claim, for a lease. */
  unanswered?: boolean;
  /** The newest lead version the CRM got (0: none); undefined keeps what is there. */
  syncedVersion?: number;
  /** The CRM refused this version for good: other attempts at it are skipped. */
  refused?: true;
}

/**
 * recordUnchanged's answer: recorded; not yet, as an older version is still on its way to the
 * CRM; or never (the version before it never reached the CRM, a newer one is recorded, or the
 * lead was never synced to it).
 */
export type UnchangedOutcome = 'recorded' | 'wait' | 'gap';

export type WriteOutcome = { written: true } | { written: false; current?: SyncStatusItem };

export interface Claim {
  connectionId: string;
  crmType: string;
  leadVersion: number;
  at: string;
}

/** Claimed, with what was recorded before; or refused, with what holds the lead. */
export type ClaimOutcome =
  { claimed: true; previous?: SyncStatusItem } | { claimed: false; current?: SyncStatusItem };

/**
 * Begins the lastError of an attempt whose request went out but got no answer (a timeout, a
 * dropped connection): the CRM may still apply it, so no other attempt may start before it could.
 */
export const UNANSWERED = 'the CRM may still apply this attempt: ';

/**
 * A claim is a pending state without an error (a failed attempt always records one) whose
 * attempt began within the lease (and CLAIM_MARGIN_MS): a task is pushing that version to the CRM right now. An
 * unanswered attempt holds the lead the same way for a lease after it ended, or an older version
 * could land after a newer one. It lives in the status's own attributes (the lead version, the
 * time and the error the leads API shows), not in attributes of its own.
 */
const LIVE_CLAIM =
  '(lastAttemptAt > :leaseStart AND ((#state = :pending AND attribute_not_exists(lastError)) OR begins_with(lastError, :unanswered)))';

/**
 * Tasks' clocks are not exactly in step, and a request's timeout can fire late on a busy event
 * loop: other tasks see a claim live this much longer than its owner sends requests under it.
 */
export const CLAIM_MARGIN_MS = 1_000;

/** Applies to a newer version, or to this one while it is neither synced nor refused for good. */
const NOT_BEHIND =
  '(attribute_not_exists(PK) OR leadVersion < :version OR (leadVersion = :version AND #state <> :synced AND attribute_not_exists(refused)))';

function lastErrorOf(status: StatusWrite): string | null | undefined {
  return status.unanswered && status.lastError
    ? `${UNANSWERED}${status.lastError}`
    : status.lastError;
}

/**
 * The SYNC#<connection> items under each lead, which the leads API shows. Every write is
 * conditional: it applies to a lead version newer than the one recorded, or to the same
 * version while that is not yet synced — so a redelivered or older change never overwrites
 * a newer state. Before its CRM call an attempt claims the lead for `leaseMs`, so that tasks
 * never write two versions of one lead to the CRM at once.
 */
export class SyncStatusRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly leaseMs: number,
  ) {}

  /** A claim whose attempt began after this is live; the margin stays with its owner's clock. */
  private leaseStart(at: string): string {
    return new Date(Date.parse(at) - this.leaseMs - CLAIM_MARGIN_MS).toISOString();
  }

  /**
   * Records `claim.leadVersion` as pending, its attempt beginning now, unless a newer version
   * is recorded, this one is synced, or another attempt holds a live claim.
   */
  /** The connections a sync status of the lead is recorded for: those that may hold it. */
  async connectionsOf(tenantId: string, leadId: string): Promise<Set<string>> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sync)',
      ExpressionAttributeValues: {
        ':pk': leadKeys.leadPartition(tenantId, leadId),
        ':sync': 'SYNC#',
      },
      ProjectionExpression: 'connectionId',
      ConsistentRead: true,
    });
    return new Set(items.map((item) => String(item.connectionId)));
  }

  async claim(tenantId: string, leadId: string, claim: Claim): Promise<ClaimOutcome> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: leadKeys.syncStatus(tenantId, leadId, claim.connectionId),
          UpdateExpression:
            'SET connectionId = :connectionId, crmType = :crmType, #state = :pending, leadVersion = :version, lastAttemptAt = :at REMOVE lastError, refused',
          ConditionExpression: `${NOT_BEHIND} AND NOT ${LIVE_CLAIM}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':connectionId': claim.connectionId,
            ':crmType': claim.crmType,
            ':pending': 'pending',
            ':synced': 'synced',
            ':version': claim.leadVersion,
            ':at': claim.at,
            ':leaseStart': this.leaseStart(claim.at),
            ':unanswered': UNANSWERED,
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return {
        claimed: true,
        ...(Attributes ? { previous: withoutKeys<SyncStatusItem>(Attributes) } : {}),
      };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const current = conditionFailureItem(error);
      return {
        claimed: false,
        ...(current ? { current: withoutKeys<SyncStatusItem>(current) } : {}),
      };
    }
  }

  /**
   * Records `version`, a change with nothing for the CRM, as reached by it — only when the version
   * before it was the newest the CRM got and nothing newer is recorded. While an older version
   * is still on its way to the CRM (pending), the answer is to try again once it landed;
   * otherwise the gap stays, and the next change sends every field, as it must.
   */
  async recordUnchanged(
    tenantId: string,
    leadId: string,
    connectionId: string,
    version: number,
  ): Promise<UnchangedOutcome> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: leadKeys.syncStatus(tenantId, leadId, connectionId),
          UpdateExpression: 'SET leadVersion = :version, syncedVersion = :version',
          ConditionExpression:
            'leadVersion = :before AND (syncedVersion = :before OR (attribute_not_exists(syncedVersion) AND #state = :synced))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':version': version,
            ':before': version - 1,
            ':synced': 'synced',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const item = conditionFailureItem(error);
      const current = item && withoutKeys<SyncStatusItem>(item);
      return current?.state === 'pending' && current.leadVersion < version ? 'wait' : 'gap';
    }
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
      ':pending': 'pending',
      ':leaseStart': this.leaseStart(status.lastAttemptAt),
      ':unanswered': UNANSWERED,
    };
    // Another attempt's live claim stays: this one may have outlived its own.
    let unclaimed = `NOT ${LIVE_CLAIM}`;
    if (status.claimedAt !== undefined) {
      values[':claimedAt'] = status.claimedAt;
      unclaimed = `(${unclaimed} OR lastAttemptAt = :claimedAt)`;
    }
    const sets = [
      'connectionId = :connectionId',
      'crmType = :crmType',
      '#state = :state',
      'leadVersion = :version',
      'lastAttemptAt = :at',
    ];
    // Claims leave it be: a retry then widens its change as its first attempt did.
    if (status.syncedVersion !== undefined) {
      values[':syncedVersion'] = status.syncedVersion;
      sets.push('syncedVersion = :syncedVersion');
    }
    const removes: string[] = [];
    if (status.refused) {
      values[':refused'] = true;
      sets.push('refused = :refused');
    } else removes.push('refused');
    const recorded = { externalId: status.externalId, lastError: lastErrorOf(status) };
    for (const attribute of ['externalId', 'lastError'] as const) {
      const value = recorded[attribute];
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
          ConditionExpression: `${NOT_BEHIND} AND ${unclaimed}`,
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
