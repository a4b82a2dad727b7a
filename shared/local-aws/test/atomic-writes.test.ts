/**
 * The local AWS applies each DynamoDB write atomically, as DynamoDB does (moto alone does not:
 * see moto_server.py), so tests of code that relies on it, like two tasks taking round-robin
 * turns at once, mean what they say.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients, documentClient } from '@leadflow/core';
import { emulatorEndpoint, TEST_REGION, uniquePrefix } from '@leadflow/testing';

/**
 * Rounds of writers updating one item at once: enough for moto alone to go wrong in most runs
 * (2 of 3 here), and few enough at once for moto to take every connection within the SDK's
 * connection timeout.
 */
const ROUNDS = 20;
const WRITERS = 24;

/** `write(item)` by every writer of an item at once, one item per round; the answers by item. */
async function roundsOfWritersAtOnce<T>(write: (item: string) => Promise<T>): Promise<T[][]> {
  const answers: T[][] = [];
  for (let round = 0; round < ROUNDS; round++)
    answers.push(await Promise.all(Array.from({ length: WRITERS }, () => write(`item-${round}`))));
  return answers;
}

describe('DynamoDB writes on the local AWS', () => {
  const aws = createAwsClients({ region: TEST_REGION, endpoint: emulatorEndpoint() });
  const db = documentClient(aws.dynamodb);
  const TableName = `${uniquePrefix()}atomic`;

  beforeAll(async () => {
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      }),
    );
  });
  afterAll(() => aws.destroy());

  it('when many update one counter at once, then each reads the value the one before it wrote', async () => {
    const counts = await roundsOfWritersAtOnce(async (PK) => {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName,
          Key: { PK },
          UpdateExpression: 'SET n = if_not_exists(n, :zero) + :one',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.n);
    });
    const everyCount = Array.from({ length: WRITERS }, (_, i) => i + 1);
    expect(counts.map((ofItem) => ofItem.sort((a, b) => a - b))).toEqual(
      Array(ROUNDS).fill(everyCount),
    );
  });

  it('when a transaction fails beside writes to other items, then those writes stay', async () => {
    const counter = 'beside-transactions';
    const refusedTransaction = () =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName,
                Key: { PK: 'missing' },
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
        }),
      );
    const increment = () =>
      db.send(
        new UpdateCommand({
          TableName,
          Key: { PK: counter },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    const refusals = await roundsOfWritersAtOnce(async () => {
      const [refusal] = await Promise.allSettled([refusedTransaction(), increment()]);
      return refusal!.status;
    });
    expect(new Set(refusals.flat())).toEqual(new Set(['rejected']));
    const increments = ROUNDS * WRITERS;
    const { Item } = await db.send(
      new GetCommand({ TableName, Key: { PK: counter }, ConsistentRead: true }),
    );
    expect(Item?.n).toBe(increments);
  });
});
