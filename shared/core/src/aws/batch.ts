import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from './dynamo';

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * Sends `requests` in chunks of `size`; `send` answers what DynamoDB left unprocessed, which is
 * sent again, with a growing pause, until nothing is left.
 */
async function sendUntilProcessed<T>(
  requests: T[],
  size: number,
  send: (chunk: T[]) => Promise<T[]>,
): Promise<void> {
  for (let i = 0; i < requests.length; i += size) {
    let pending = requests.slice(i, i + size);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 25 * 2 ** attempt)));
      pending = await send(pending);
    }
  }
}

/** Writes in batches of 25, resending what DynamoDB leaves unprocessed until all is written. */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
): Promise<void> {
  await sendUntilProcessed(requests, 25, async (chunk) => {
    const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: chunk } }));
    return result.UnprocessedItems?.[table] ?? [];
  });
}

/**
 * Reads items by key, strongly consistent, in batches of 100, asking again for what DynamoDB
 * leaves unprocessed until all is read. Keys without an item are left out of the answer.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: Array<Record<string, unknown>>,
  projection?: string,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  await sendUntilProcessed(keys, 100, async (chunk) => {
    const result = await db.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: chunk,
            ConsistentRead: true,
            ...(projection ? { ProjectionExpression: projection } : {}),
          },
        },
      }),
    );
    items.push(...(result.Responses?.[table] ?? []));
    return result.UnprocessedKeys?.[table]?.Keys ?? [];
  });
  return items;
}
