import { dynamoQueryingAsAws } from '@leadflow/testing';
import { queryLeads } from '../lead.query';

const leads = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const leadId = `01JDQ6C3D4E5F6G7H8J9K0MN${String(i).padStart(2, '0')}`;
    return { PK: { S: 'TENANT#t' }, SK: { S: `LEAD#${leadId}` }, leadId: { S: leadId } };
  });

const pageOf = (db: ReturnType<typeof dynamoQueryingAsAws>['db'], cursor?: string) =>
  queryLeads(db, 'leads', { tenantId: 't', filters: {}, limit: 2, cursor, hideErased: true });

describe('queryLeads', () => {
  it('when the tenant has exactly a page of leads, then that page is the last: no cursor to an empty one', async () => {
    const { db } = dynamoQueryingAsAws(leads(2));
    const page = await pageOf(db);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
  });

  it('when more are left, then the cursor leads to the rest, newest first, and the last page says it is', async () => {
    const { db } = dynamoQueryingAsAws(leads(3));
    const first = await pageOf(db);
    const second = await pageOf(db, first.nextCursor!);
    expect([...first.items, ...second.items].map((lead) => lead.leadId.slice(-2))).toEqual([
      '02',
      '01',
      '00',
    ]);
    expect(second.nextCursor).toBeNull();
  });
});
