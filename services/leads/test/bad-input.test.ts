import { encodeTime } from 'ulid';
import request from 'supertest';
import { operations } from '../src/openapi';
import { bearer, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

describe('bad input on every leads route', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;
  let leadId: string;

  beforeAll(async () => {
    h = await startLeadsHarness();
    tenant = await h.createTenant('badinput');
    leadId = (
      await request(h.leads.app)
        .post('/v1/leads')
        .set(bearer(tenant.admin.token))
        .send({ fields: { firstName: 'B' } })
    ).body.id;
  });
  afterAll(() => h.close());

  const perLead = operations.filter((o) => o.path.includes('{leadId}'));

  it.each(perLead.map((o) => [o.operationId, o.method, o.path] as const))(
    'when %s gets a lead id that is not a ULID, then 400 naming path.leadId',
    async (_id, method, path) => {
      const res = await request(h.leads.app)
        [method](path.replace('{leadId}', 'not-a-ulid'))
        .set(bearer(tenant.admin.token))
        .set('If-Match', '"1"')
        .send({});
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('path.leadId');
    },
  );

  it.each([
    ['updateLead with an empty patch', 'patch', '', {}, 'body'],
    ['updateLead with a number as status', 'patch', '', { status: 7 }, 'body.status'],
    ['assignLead without ownerId', 'post', '/assign', {}, 'body.ownerId'],
    ['assignLead with a number', 'post', '/assign', { ownerId: 5 }, 'body.ownerId'],
    [
      'addLeadNote with an unknown field',
      'post',
      '/notes',
      { body: 'x', pinned: true },
      'body.pinned',
    ],
  ] as const)('when %s, then 400 naming the field', async (_case, method, suffix, body, field) => {
    const res = await request(h.leads.app)
      [method](`/v1/leads/${leadId}${suffix}`)
      .set(bearer(tenant.admin.token))
      .set('If-Match', '"1"')
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('when a token is missing, expired-looking or forged on any route, then 401 problem+json', async () => {
    for (const operation of operations) {
      const path = operation.path.replace('{leadId}', leadId);
      const missing = await request(h.leads.app)[operation.method](path);
      expect({ op: operation.operationId, status: missing.status }).toEqual({
        op: operation.operationId,
        status: 401,
      });
      const forged = await request(h.leads.app)
        [operation.method](path)
        .set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
      expect({
        op: operation.operationId,
        status: forged.status,
        type: forged.headers['content-type'],
      }).toEqual({
        op: operation.operationId,
        status: 401,
        type: 'application/problem+json; charset=utf-8',
      });
    }
  });

  it('when a method the export does not take is sent to it, then 405 allows what the export takes, not what a lead id would', async () => {
    const res = await request(h.leads.app)
      .post('/v1/leads/export.csv')
      .set(bearer(tenant.admin.token));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  describe('lists', () => {
    const list = (query: string) =>
      request(h.leads.app).get(`/v1/leads?${query}`).set(bearer(tenant.admin.token));
    /** A crafted cursor; with the digest of a real list, it is judged as a key of that list. */
    const cursorOf = (key: object, list?: string) =>
      Buffer.from(JSON.stringify({ ...key, '~list': list })).toString('base64url');
    /** The list digest a real cursor of the list with `query` carries. */
    const listOf = async (query: string): Promise<string> => {
      const { nextCursor } = (await list(`${query}&limit=1`).expect(200)).body;
      return JSON.parse(Buffer.from(nextCursor, 'base64url').toString())['~list'];
    };

    beforeAll(async () => {
      // A second lead: every list below has a next page, so its cursor can be had.
      await request(h.leads.app)
        .post('/v1/leads')
        .set(bearer(tenant.admin.token))
        .send({ fields: { firstName: 'Bea' } })
        .expect(201);
    });

    it('when the cursor of one list is sent with other filters, then 400 naming query.cursor: its page would skip leads', async () => {
      const { nextCursor } = (await list('limit=1').expect(200)).body;
      for (const filters of ['q=b', 'source=manual', 'isTest=false', 'includeDeleted=true']) {
        const res = await list(`${filters}&limit=1&cursor=${nextCursor}`);
        expect({ filters, status: res.status }).toEqual({ filters, status: 400 });
        expect(res.body.errors).toEqual([
          { field: 'query.cursor', message: 'is not a cursor of this list' },
        ]);
      }
      // Filters written differently that mean the same list take it.
      await list(`includeDeleted=false&limit=1&cursor=${nextCursor}`).expect(200);
      const since = (await list('createdFrom=2020-01-01T00:00:00Z&limit=1').expect(200)).body;
      await list(
        `createdFrom=${encodeURIComponent('2020-01-01T01:00:00.000+01:00')}&limit=1&cursor=${since.nextCursor}`,
      ).expect(200);
    });

    it('when q is only blanks, then 400 naming query.q, not a list of the leads with a name', async () => {
      const res = await list('q=%20%20');
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'query.q', message: 'must not be blank' }]);
    });

    it('when the creation time range is empty or reversed, then 400 naming query.createdTo', async () => {
      for (const range of [
        'createdFrom=2026-11-27T00:00:00Z&createdTo=2026-11-27T00:00:00Z',
        'createdFrom=2026-11-28T00:00:00Z&createdTo=2026-11-27T00:00:00Z',
        'createdTo=1969-12-31T00:00:00Z',
      ]) {
        const res = await list(range);
        expect({ range, status: res.status }).toEqual({ range, status: 400 });
        expect(res.body.errors).toEqual([
          { field: 'query.createdTo', message: expect.any(String) },
        ]);
      }
    });

    it('when a bound is a leap second (a date-time JavaScript cannot read), then 400 naming it, on the list and the export', async () => {
      for (const field of ['createdFrom', 'createdTo']) {
        for (const path of ['/v1/leads', '/v1/leads/export.csv']) {
          const res = await request(h.leads.app)
            .get(`${path}?${field}=2026-06-30T23:59:60Z`)
            .set(bearer(tenant.admin.token));
          expect({ path, field, status: res.status }).toEqual({ path, field, status: 400 });
          expect(res.body.errors).toEqual([
            { field: `query.${field}`, message: expect.any(String) },
          ]);
        }
      }
    });

    it('when the range starts before 1970, then it starts at the beginning', async () => {
      const res = await list('createdFrom=1969-12-31T00:00:00Z').expect(200);
      expect(res.body.items.map((l: { id: string }) => l.id)).toContain(leadId);
    });

    it('when a cursor is of another list, names other attributes or another kind of item, then 400 naming query.cursor', async () => {
      const pk = `TENANT#${tenant.id}`;
      const sk = `LEAD#${leadId}`;
      const byStatus = { PK: pk, SK: sk, GSI2PK: `${pk}#STATUS#new`, GSI2SK: sk };
      for (const [query, key] of [
        ['', byStatus],
        ['', { PK: pk, SK: 7 }],
        ['', { PK: pk, SK: 'NOTE#x' }],
        ['', { PK: pk }],
        ['status=new', { PK: pk, SK: sk }],
        ['status=new', { ...byStatus, GSI2PK: `${pk}#STATUS#won` }],
      ] as const) {
        const res = await list(`${query}&cursor=${cursorOf(key, await listOf(query))}`);
        expect({ key, status: res.status }).toEqual({ key, status: 400 });
        expect(res.body.errors[0].field).toBe('query.cursor');
      }
      // The cursor of a real page of that list is taken.
      await list(`status=new&cursor=${cursorOf(byStatus, await listOf('status=new'))}`).expect(200);
    });

    it('when a cursor is of a page outside createdFrom and createdTo, then 400 naming query.cursor (DynamoDB would refuse its key)', async () => {
      const since2020 = 'createdFrom=2020-01-01T00:00:00Z';
      const of2020 = await listOf(since2020);
      const before2020 = `LEAD#${encodeTime(Date.UTC(2019, 0, 1), 10)}${'0'.repeat(16)}`;
      const res = await list(
        `${since2020}&cursor=${cursorOf({ PK: `TENANT#${tenant.id}`, SK: before2020 }, of2020)}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'query.cursor', message: 'is of a page outside createdFrom and createdTo' },
      ]);
      const within = cursorOf({ PK: `TENANT#${tenant.id}`, SK: `LEAD#${leadId}` }, of2020);
      await list(`${since2020}&cursor=${within}`).expect(200);
    });
  });
});
