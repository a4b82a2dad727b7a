import request from 'supertest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createLogger, documentClient } from '@leadflow/core';
import { apiKeyLookupKey, DynamoApiKeyResolver, hashApiKey } from '@leadflow/auth';
import { bearer, startHarness, type Harness } from './harness';

describe('API keys', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('alpha');
    admin = await h.token('alpha', 'admin');
  });
  afterAll(() => h.close());

  it('when a key is created, then it is answered once, only its hash is stored, and it resolves to the tenant', async () => {
    const res = await request(h.app)
      .post('/v1/api-keys')
      .set(bearer(admin))
      .send({ name: 'Partner' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.key).toMatch(/^lf_live_[A-Za-z0-9]{40}$/);
    expect(res.body.prefix).toBe(`${res.body.key.slice(0, 12)}…`);
    const lookup = await documentClient(h.aws.dynamodb).send(
      new GetCommand({
        TableName: h.stack.env.TENANTS_TABLE!,
        Key: apiKeyLookupKey(hashApiKey(res.body.key)),
      }),
    );
    expect(lookup.Item).toMatchObject({ tenantId: 'alpha', keyId: res.body.id });
    expect(JSON.stringify(lookup.Item)).not.toContain(res.body.key);
    const list = await request(h.app).get('/v1/api-keys').set(bearer(admin));
    expect(list.body.items).toEqual([
      { id: res.body.id, name: 'Partner', prefix: res.body.prefix, createdAt: res.body.createdAt },
    ]);
    const resolver = new DynamoApiKeyResolver({
      client: documentClient(h.aws.dynamodb),
      table: h.stack.env.TENANTS_TABLE!,
      logger: createLogger({ service: 'test', level: 'silent' }),
      cacheMs: 0,
    });
    expect(await resolver.resolve(res.body.key)).toMatchObject({
      kind: 'apiKey',
      tenantId: 'alpha',
      subject: res.body.id,
    });
  });

  it('when a key is revoked, then it no longer resolves and the list shows when', async () => {
    const created = await request(h.app)
      .post('/v1/api-keys')
      .set(bearer(admin))
      .send({ name: 'Old' });
    expect(
      (await request(h.app).delete(`/v1/api-keys/${created.body.id}`).set(bearer(admin))).status,
    ).toBe(204);
    expect(
      (await request(h.app).delete(`/v1/api-keys/${created.body.id}`).set(bearer(admin))).status,
    ).toBe(204);
    const resolver = new DynamoApiKeyResolver({
      client: documentClient(h.aws.dynamodb),
      table: h.stack.env.TENANTS_TABLE!,
      logger: createLogger({ service: 'test', level: 'silent' }),
      cacheMs: 0,
    });
    expect(await resolver.resolve(created.body.key)).toBeUndefined();
    const list = await request(h.app).get('/v1/api-keys').set(bearer(admin));
    expect(list.body.items.find((k: { id: string }) => k.id === created.body.id).revokedAt).toEqual(
      expect.any(String),
    );
  });

  it('when another tenant revokes this tenant’s key, then 404 and the key lives on', async () => {
    const created = await request(h.app)
      .post('/v1/api-keys')
      .set(bearer(admin))
      .send({ name: 'Mine' });
    await h.createTenant('other');
    expect(
      (
        await request(h.app)
          .delete(`/v1/api-keys/${created.body.id}`)
          .set(bearer(await h.token('other', 'admin')))
      ).status,
    ).toBe(404);
    const list = await request(h.app).get('/v1/api-keys').set(bearer(admin));
    expect(
      list.body.items.find((k: { id: string }) => k.id === created.body.id).revokedAt,
    ).toBeUndefined();
  });

  it('when the name is missing or too long, then 400', async () => {
    expect(
      (await request(h.app).post('/v1/api-keys').set(bearer(admin)).send({})).body.errors,
    ).toEqual([{ field: 'body.name', message: 'is required' }]);
    expect(
      (
        await request(h.app)
          .post('/v1/api-keys')
          .set(bearer(admin))
          .send({ name: 'x'.repeat(101) })
      ).status,
    ).toBe(400);
  });
});
