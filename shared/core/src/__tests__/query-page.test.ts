import { dynamoQueryingAsAws } from '@leadflow/testing';
import { queryPrefixPage } from '../aws/query-page';

const notes = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    PK: { S: 'TENANT#t' },
    SK: { S: `NOTE#${String(i).padStart(3, '0')}` },
  }));

const pageOf = (db: ReturnType<typeof dynamoQueryingAsAws>['db'], cursor?: string) =>
  queryPrefixPage<{ SK?: string }>(db, {
    table: 'leads',
    pk: 'TENANT#t',
    skPrefix: 'NOTE#',
    limit: 2,
    cursor,
  });

describe('queryPrefixPage', () => {
  it('when the partition holds exactly a page, then that page is the last: no cursor to an empty one', async () => {
    const { db } = dynamoQueryingAsAws(notes(2));
    await expect(pageOf(db)).resolves.toEqual({ items: [{}, {}], nextCursor: null });
  });

  it('when more is left, then the cursor leads to the rest, and the last page says it is', async () => {
    const { db } = dynamoQueryingAsAws(notes(3));
    const first = await pageOf(db);
    expect(first.items).toHaveLength(2);
    await expect(pageOf(db, first.nextCursor!)).resolves.toEqual({
      items: [{}],
      nextCursor: null,
    });
  });

  it('when DynamoDB stops short of the Limit (its 1 MB a call), then its key is the cursor', async () => {
    const { db } = dynamoQueryingAsAws(notes(3), { itemsPerCall: 1 });
    const first = await pageOf(db);
    expect(first.items).toHaveLength(1);
    const second = await pageOf(db, first.nextCursor!);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).not.toBeNull();
  });
});
