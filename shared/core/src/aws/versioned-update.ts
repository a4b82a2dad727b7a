import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../errors';
import { staleVersion } from '../http/etag';
import {
  conditionFailureItem,
  isConditionalCheckFailure,
  type DynamoDBDocumentClient,
} from './dynamo';

export interface VersionedUpdate {
  table: string;
  key: Record<string, string>;
  /** The version the caller read (If-Match); the update applies only if it is still current. */
  expectedVersion: number;
  /** Attributes to set; `null` removes one, `undefined` leaves it alone. */
  changes: Record<string, unknown>;
  /** Names the resource in a 404. */
  resource: string;
  /** A further condition, and the error when the version matches but it does not hold. */
  condition?: { expression: string; values: Record<string, unknown>; refused: () => Error };
}

/** Strips the table's key attributes from an item. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, ...rest } = item;
  return rest as T;
}

/**
 * Optimistic concurrency in one conditional write: sets `changes`, bumps `version`, stamps
 * `updatedAt` — 404 when the item is gone, 412 when someone else changed it first, and the
 * condition's own error when only that failed.
 */
export async function updateVersioned<T>(
  db: DynamoDBDocumentClient,
  update: VersionedUpdate,
): Promise<T> {
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = {
    ...update.condition?.values,
    ':expected': update.expectedVersion,
    ':one': 1,
    ':now': new Date().toISOString(),
  };
  const sets = ['#updatedAt = :now'];
  const removes: string[] = [];
  Object.entries(update.changes).forEach(([attribute, value], index) => {
    if (value === undefined) return;
    names[`#a${index}`] = attribute;
    if (value === null) {
      removes.push(`#a${index}`);
    } else {
      values[`:a${index}`] = value;
      sets.push(`#a${index} = :a${index}`);
    }
  });
  try {
    const result = await db.send(
      new UpdateCommand({
        TableName: update.table,
        Key: update.key,
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''} ADD #version :one`,
        ConditionExpression: `attribute_exists(PK) AND #version = :expected${update.condition ? ` AND ${update.condition.expression}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return withoutKeys<T>(result.Attributes ?? {});
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const current = conditionFailureItem(error);
    if (!current) throw notFound(update.resource);
    if (current.version !== update.expectedVersion || !update.condition) throw staleVersion();
    throw update.condition.refused();
  }
}
