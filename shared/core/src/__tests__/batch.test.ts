import { scriptedDynamoDB } from '@leadflow/testing';
import { batchGetAll, batchWriteAll } from '../aws/batch';

type Keys = { Keys: Array<{ PK: { S: string } }> };

describe('batch reads and writes', () => {
  it('when DynamoDB leaves keys unprocessed, then batchGetAll asks for them again and answers every item, 100 keys at the most per call', async () => {
    let leftOnce = false;
    const { db, sent } = scriptedDynamoDB(({ body }) => {
      const { Keys } = (body.RequestItems as Record<string, Keys>).t!;
      const [first, ...rest] = Keys;
      const leave = !leftOnce;
      leftOnce = true;
      const answered = leave ? rest : Keys;
      return {
        status: 200,
        body: {
          Responses: { t: answered.map((key) => ({ PK: key.PK, n: { N: '1' } })) },
          UnprocessedKeys: leave ? { t: { Keys: [first] } } : {},
        },
      };
    });
    const keys = Array.from({ length: 150 }, (_, i) => ({ PK: `k${i}` }));

    const items = await batchGetAll(db, 't', keys);

    expect(items.map((item) => item.PK).sort()).toEqual(keys.map((key) => key.PK).sort());
    expect(
      sent.map(({ body }) => (body.RequestItems as Record<string, Keys>).t!.Keys.length),
    ).toEqual([100, 1, 50]);
  });

  it('when DynamoDB leaves writes unprocessed, then batchWriteAll sends them again, 25 at the most per call', async () => {
    let leftOnce = false;
    const { db, sent } = scriptedDynamoDB(({ body }) => {
      const [first] = (body.RequestItems as Record<string, unknown[]>).t!;
      const leave = !leftOnce;
      leftOnce = true;
      return { status: 200, body: { UnprocessedItems: leave ? { t: [first] } : {} } };
    });
    const writes = Array.from({ length: 30 }, (_, i) => ({
      DeleteRequest: { Key: { PK: `k${i}` } },
    }));

    await batchWriteAll(db, 't', writes);

    expect(
      sent.map(({ body }) => (body.RequestItems as Record<string, unknown[]>).t!.length),
    ).toEqual([25, 1, 5]);
  });
});
