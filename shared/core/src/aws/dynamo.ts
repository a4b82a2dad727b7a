import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documentClients = new WeakMap<DynamoDBClient, DynamoDBDocumentClient>();

/** Plain JavaScript objects in and out of DynamoDB; one per client. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  let doc = documentClients.get(client);
  if (!doc) {
    doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      unmarshallOptions: { wrapNumbers: false },
    });
    documentClients.set(client, doc);
  }
  return doc;
}

export function isConditionalCheckFailure(
  error: unknown,
): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The item a failed condition saw (ReturnValuesOnConditionCheckFailure: ALL_OLD), as a plain object. */
export function conditionFailureItem(
  error: Error & { Item?: Record<string, unknown> },
): Record<string, unknown> | undefined {
  if (!error.Item) return undefined;
  // The document client does not unmarshall the item carried by the exception.
  return unmarshall(error.Item as Parameters<typeof unmarshall>[0]);
}

export const epochSeconds = (ms = Date.now()): number => Math.floor(ms / 1000);

/** DynamoDB TTL deletes lazily (and moto never): an item past its expiry is treated as absent. */
export function isExpired(item: { expiresAt?: unknown } | undefined, nowMs = Date.now()): boolean {
  return typeof item?.expiresAt === 'number' && item.expiresAt <= epochSeconds(nowMs);
}
