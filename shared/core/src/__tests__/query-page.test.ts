import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryPrefixPage } from '../aws/query-page';
import { documentClient } from '../aws/dynamo';

type Key = { PK: { S: string }; SK: { S: string } };

/**
 * DynamoDB's Query as AWS answers it, and as moto does not: a call that stops at its Limit
 * answers a LastEvaluatedKey even when nothing is left. `stopAfter` imitates its 1 MB a call.
 */
function dynamoAnswering(count: number, stopAfter = Infinity) {
  const items: Key[] = Array.from({ length: count }, (_, i) => ({
    PK: { S: 'TENANT#t' },
    SK: { S: `NOTE#${String(i).padStart(3, '0')}` },
  }));
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { body: Uint8Array }) => {
        const input = JSON.parse(new TextDecoder().decode(request.body)) as {
          Limit: number;
          ExclusiveStartKey?: Key;
        };
        const after = input.ExclusiveStartKey?.SK.S ?? '';
        const rest = items.filter((item) => item.SK.S > after);
        const page = rest.slice(0, Math.min(input.Limit, stopAfter));
        const stopped = page.length === input.Limit || page.length < rest.length;
        const body = JSON.stringify({
          Items: page,
          Count: page.length,
          ...(stopped ? { LastEvaluatedKey: page[page.length - 1] } : {}),
        });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    },
  });
  return documentClient(client);
}

const pageOf = (db: ReturnType<typeof dynamoAnswering>, cursor?: string) =>
  queryPrefixPage<{ SK?: string }>(db, {
    table: 'leads',
    pk: 'TENANT#t',
    skPrefix: 'NOTE#',
    limit: 2,
    cursor,
  });

describe('queryPrefixPage', () => {
  it('when the partition holds exactly a page, then that page is the last: no cursor to an empty one', async () => {
    await expect(pageOf(dynamoAnswering(2))).resolves.toEqual({
      items: [{}, {}],
      nextCursor: null,
    });
  });

  it('when more is left, then the cursor leads to the rest, and the last page says it is', async () => {
    const db = dynamoAnswering(3);
    const first = await pageOf(db);
    expect(first.items).toHaveLength(2);
    const second = await pageOf(db, first.nextCursor!);
    expect(second).toEqual({ items: [{}], nextCursor: null });
  });

  it('when DynamoDB stops short of the Limit (its 1 MB a call), then its key is the cursor', async () => {
    const db = dynamoAnswering(3, 1);
    const first = await pageOf(db);
    expect(first.items).toHaveLength(1);
    const second = await pageOf(db, first.nextCursor!);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).not.toBeNull();
  });
});
