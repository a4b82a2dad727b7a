import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type PageKey } from '../http/pagination';
import type { DynamoDBDocumentClient } from './dynamo';
import { withoutKeys } from './versioned-update';

export interface PrefixPage {
  table: string;
  /** The partition: always built from the caller's tenant. */
  pk: string;
  skPrefix: string;
  limit: number;
  cursor: string | undefined;
  newestFirst?: boolean;
}

/** One page of the items of a partition whose sort key starts with `skPrefix`. */
export async function queryPrefixPage<T>(
  db: DynamoDBDocumentClient,
  page: PrefixPage,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const result = await db.send(
    new QueryCommand({
      TableName: page.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': page.pk, ':prefix': page.skPrefix },
      ScanIndexForward: !page.newestFirst,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        fixed: { PK: page.pk },
        prefixed: { SK: page.skPrefix },
      }),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => withoutKeys<T>(item)),
    nextCursor: encodeCursor(result.LastEvaluatedKey as PageKey | undefined),
  };
}

/** Every item a Query matches, page after page (for partitions known to stay small). */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
