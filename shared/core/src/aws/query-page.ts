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

/**
 * One page of the items of a partition whose sort key starts with `skPrefix`. One item more
 * than the page is read, so the last page says so: DynamoDB answers a LastEvaluatedKey whenever
 * it stopped at the Limit, even with nothing left, and that cursor would lead to an empty page.
 */
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
      Limit: page.limit + 1,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        fixed: { PK: page.pk },
        prefixed: { SK: page.skPrefix },
      }),
    }),
  );
  const found = result.Items ?? [];
  const items = found.slice(0, page.limit);
  const last = items[items.length - 1];
  let nextKey: PageKey | undefined;
  if (found.length > page.limit) nextKey = { PK: last!.PK as string, SK: last!.SK as string };
  // Fewer than asked and a key: DynamoDB stopped at its 1 MB a call, not at the Limit.
  else nextKey = result.LastEvaluatedKey as PageKey | undefined;
  return {
    items: items.map((item) => withoutKeys<T>(item)),
    nextCursor: encodeCursor(nextKey),
  };
}

/** Every item of a partition whose sort key starts with `skPrefix` (a small set), keys left out. */
export async function queryPrefixAll<T>(
  db: DynamoDBDocumentClient,
  { table, pk, skPrefix }: Pick<PrefixPage, 'table' | 'pk' | 'skPrefix'>,
): Promise<T[]> {
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  return items.map((item) => withoutKeys<T>(item));
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
