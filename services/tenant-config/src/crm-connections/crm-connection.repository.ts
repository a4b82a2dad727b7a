import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type CrmConnectionItem } from '@leadflow/contracts';
import {
  AppError,
  conditionFailureItem,
  isConditionalCheckFailure,
  notFound,
  queryPrefixAll,
  queryPrefixPage,
  staleVersion,
  updateVersioned,
  withoutKeys,
  type DynamoDBDocumentClient,
} from '@leadflow/core';

export type ConnectionChanges = Partial<
  Pick<CrmConnectionItem, 'name' | 'enabled' | 'fieldMapping'>
> & { baseUrl?: string | null };

/** A claim on the connection by one change of its credentials, and when it lapses (epoch ms). */
const CLAIM = 'credentialsClaim';
const CLAIM_EXPIRES = 'credentialsClaimExpiresAt';

/** No change of the credentials is under way, or the one that was has lapsed. */
const UNCLAIMED = `(attribute_not_exists(${CLAIM}) OR ${CLAIM_EXPIRES} < :nowMs)`;

const credentialsBeingChanged = () =>
  new AppError(
    'conflict',
    'The connection’s credentials are being changed by another request; try again shortly',
  );

/** Why the claim was refused, from the item it saw. */
function refusal(error: unknown, expectedVersion: number): unknown {
  if (!isConditionalCheckFailure(error)) return error;
  const item = conditionFailureItem(error);
  if (!item) return notFound('CRM connection');
  if (item.version !== expectedVersion) return staleVersion();
  return credentialsBeingChanged();
}

export class CrmConnectionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(connection: CrmConnectionItem): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...tenantKeys.crmConnection(connection.tenantId, connection.connectionId),
          ...connection,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(tenantId: string, connectionId: string): Promise<CrmConnectionItem | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.crmConnection(tenantId, connectionId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys<CrmConnectionItem>(result.Item) : undefined;
  }

  /** Every connection of the tenant (a handful). */
  listAll(tenantId: string): Promise<CrmConnectionItem[]> {
    return queryPrefixAll<CrmConnectionItem>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'CRM#',
    });
  }

  list(tenantId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<CrmConnectionItem>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'CRM#',
      limit,
      cursor,
    });
  }

  private updateItem(
    tenantId: string,
    connectionId: string,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ) {
    return this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: tenantKeys.crmConnection(tenantId, connectionId),
        ...update,
      }),
    );
  }

  /**
   * Claims the connection at `expectedVersion` for one change of its credentials, until
   * `expiresAt` (epoch ms): until that change commits or gives the claim back, every other
   * change of the connection is refused (409), so the secret is written by one request at a time.
   */
  async claimCredentialsChange(
    tenantId: string,
    connectionId: string,
    expectedVersion: number,
    claim: string,
    expiresAt: number,
  ): Promise<void> {
    try {
      await this.updateItem(tenantId, connectionId, {
        UpdateExpression: `SET ${CLAIM} = :claim, ${CLAIM_EXPIRES} = :expiresAt`,
        ConditionExpression: `attribute_exists(PK) AND #version = :expected AND ${UNCLAIMED}`,
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':claim': claim,
          ':expiresAt': expiresAt,
          ':expected': expectedVersion,
          ':nowMs': Date.now(),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (error) {
      throw refusal(error, expectedVersion);
    }
  }

  /** Gives a claim back; one that lapsed and was taken by another change is left alone. */
  async releaseCredentialsChange(
    tenantId: string,
    connectionId: string,
    claim: string,
  ): Promise<void> {
    try {
      await this.updateItem(tenantId, connectionId, {
        UpdateExpression: `REMOVE ${CLAIM}, ${CLAIM_EXPIRES}`,
        ConditionExpression: `${CLAIM} = :claim`,
        ExpressionAttributeValues: { ':claim': claim },
      });
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  /**
   * Applies the changes, bumps `version` and stamps `updatedAt` if the stored version is still
   * `expectedVersion`: 404 when the connection is gone, 412 when it changed, 409 while a change
   * of its credentials is under way. With `claim`, commits that change and ends its claim.
   */
  update(
    tenantId: string,
    connectionId: string,
    expectedVersion: number,
    changes: ConnectionChanges,
    claim?: string,
  ): Promise<CrmConnectionItem> {
    return updateVersioned(this.db, {
      table: this.table,
      key: tenantKeys.crmConnection(tenantId, connectionId),
      expectedVersion,
      changes: claim ? { ...changes, [CLAIM]: null, [CLAIM_EXPIRES]: null } : changes,
      resource: 'CRM connection',
      condition: claim
        ? {
            expression: `${CLAIM} = :claim`,
            values: { ':claim': claim },
            refused: credentialsBeingChanged,
          }
        : {
            expression: UNCLAIMED,
            values: { ':nowMs': Date.now() },
            refused: credentialsBeingChanged,
          },
    });
  }

  async delete(tenantId: string, connectionId: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: tenantKeys.crmConnection(tenantId, connectionId),
      }),
    );
  }
}
