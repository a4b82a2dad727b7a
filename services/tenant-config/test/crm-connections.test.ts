import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { tenantKeys } from '@leadflow/contracts';
import { documentClient } from '@leadflow/core';
import { bearer, etagOf, startHarness, type Harness } from './harness';

const ACCESS_TOKEN = 'pat-eu1-11111111-2222-3333-4444-555555555555';

describe('CRM connections', () => {
  let h: Harness;
  let admin: string;
  const responses: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('alpha');
    admin = await h.token('alpha', 'admin');
  });
  afterAll(() => h.close());
  afterEach(() => jest.restoreAllMocks());

  async function call(req: request.Test) {
    const res = await req;
    responses.push(JSON.stringify({ headers: res.headers, body: res.body }));
    return res;
  }

  const create = (body: object) =>
    call(request(h.app).post('/v1/crm-connections').set(bearer(admin)).send(body));

  const patch = (created: request.Response, body: object, app = h.app) =>
    call(
      request(app)
        .patch(`/v1/crm-connections/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send(body),
    );

  const secretOf = (id: string) =>
    h.aws.secrets.send(
      new GetSecretValueCommand({ SecretId: `${h.stack.env.SECRETS_PREFIX}alpha/crm/${id}` }),
    );

  const storedSecret = async (id: string) => JSON.parse((await secretOf(id)).SecretString!);

  it('when a HubSpot connection is created, then its credentials are in Secrets Manager and the answer shows none', async () => {
    const res = await create({
      type: 'hubspot',
      name: 'HubSpot',
      credentials: { accessToken: ACCESS_TOKEN },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'hubspot',
      enabled: true,
      hasCredentials: true,
      fieldMapping: { email: 'email', firstName: 'firstname' },
    });
    expect(await storedSecret(res.body.id)).toEqual({ accessToken: ACCESS_TOKEN });
    const read = await call(
      request(h.app).get(`/v1/crm-connections/${res.body.id}`).set(bearer(admin)),
    );
    const list = await call(request(h.app).get('/v1/crm-connections').set(bearer(admin)));
    expect(list.body.items).toHaveLength(1);
    expect(read.body).not.toHaveProperty('credentials');
  });

  it('when credentials are rotated, then the secret changes and the version moves on', async () => {
    const created = await create({
      type: 'webhook',
      name: 'Hook',
      credentials: {
        url: 'https://hooks.alpha.test/leads',
        signingSecret: 'first-secret-0123456789',
      },
    });
    const rotated = await patch(created, {
      credentials: {
        url: 'https://hooks.alpha.test/leads',
        signingSecret: 'second-secret-0123456789',
      },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.version).toBe(2);
    expect((await storedSecret(created.body.id)).signingSecret).toBe('second-secret-0123456789');
  });

  it('when Secrets Manager fails during a rotation, then nothing changed and the same request repeated succeeds', async () => {
    const created = await create({
      type: 'webhook',
      name: 'Rotated twice',
      credentials: {
        url: 'https://hooks.alpha.test/leads',
        signingSecret: 'old-secret-0123456789',
      },
    });
    const rotate = (app: typeof h.app) =>
      patch(
        created,
        {
          credentials: {
            url: 'https://hooks.alpha.test/leads',
            signingSecret: 'new-secret-0123456789',
          },
        },
        app,
      );
    const signingSecret = async () => (await storedSecret(created.body.id)).signingSecret;

    expect((await rotate(h.appWithUnreachable('secrets'))).status).toBe(503);
    expect(
      (await call(request(h.app).get(`/v1/crm-connections/${created.body.id}`).set(bearer(admin))))
        .body.version,
    ).toBe(1);
    expect(await signingSecret()).toBe('old-secret-0123456789');

    const repeated = await rotate(h.app);
    expect(repeated.status).toBe(200);
    expect(repeated.body.version).toBe(2);
    expect(await signingSecret()).toBe('new-secret-0123456789');
  });

  it('when the If-Match is stale, then 412 and the secret is not touched', async () => {
    const created = await create({
      type: 'pipedrive',
      name: 'Stale',
      credentials: { apiToken: 'pipedrive-token-2' },
    });
    expect((await patch(created, { name: 'Renamed' })).status).toBe(200);
    const stale = await patch(created, { credentials: { apiToken: 'pipedrive-token-3' } });
    expect(stale.status).toBe(412);
    expect(await storedSecret(created.body.id)).toEqual({ apiToken: 'pipedrive-token-2' });
  });

  it.each<[string, { name?: string; credentials?: object }]>([
    ['a rotation', { credentials: { apiToken: 'pipedrive-token-second' } }],
    ['a rename', { name: 'Renamed meanwhile' }],
  ])(
    'when %s with the same If-Match comes while a rotation writes the secret, then one answers 200 and the secret holds its credentials',
    async (_case, meanwhile) => {
      const created = await create({
        type: 'pipedrive',
        name: 'Raced',
        credentials: { apiToken: 'pipedrive-token-old' },
      });
      const rotation = { credentials: { apiToken: 'pipedrive-token-first' } };
      const send = h.aws.secrets.send.bind(h.aws.secrets);
      let other: request.Response | undefined;
      // The other request runs to its end before the rotation's secret write lands.
      const afterTheOther = async (command: Parameters<typeof send>[0]) => {
        other = await patch(created, meanwhile);
        return send(command);
      };
      jest
        .spyOn(h.aws.secrets, 'send')
        .mockImplementationOnce(afterTheOther as typeof h.aws.secrets.send);
      const rotated = await patch(created, rotation);

      const answers = [
        { res: rotated, body: rotation },
        { res: other!, body: meanwhile },
      ];
      const winners = answers.filter(({ res }) => res.status === 200);
      const losers = answers.filter(({ res }) => res.status !== 200);
      expect(winners).toHaveLength(1);
      expect([409, 412]).toContain(losers[0]!.res.status);
      expect(await storedSecret(created.body.id)).toEqual(
        winners[0]!.body.credentials ?? { apiToken: 'pipedrive-token-old' },
      );
    },
  );

  describe('a rotation that died after claiming the connection', () => {
    /** What a rotation leaves behind when its process dies between the claim and the commit. */
    const abandonClaim = (id: string, expiresAt: number) =>
      documentClient(h.aws.dynamodb).send(
        new UpdateCommand({
          TableName: h.stack.env.TENANTS_TABLE!,
          Key: tenantKeys.crmConnection('alpha', id),
          UpdateExpression: 'SET credentialsClaim = :claim, credentialsClaimExpiresAt = :at',
          ExpressionAttributeValues: { ':claim': 'dead-request', ':at': expiresAt },
        }),
      );

    it('when its claim is still running, then other changes answer 409 and reads do not show it', async () => {
      const created = await create({
        type: 'pipedrive',
        name: 'Claimed',
        credentials: { apiToken: 'pipedrive-token-kept' },
      });
      await abandonClaim(created.body.id, Date.now() + 60_000);
      expect((await patch(created, { name: 'Renamed' })).status).toBe(409);
      const rotation = await patch(created, { credentials: { apiToken: 'pipedrive-token-new' } });
      expect(rotation.status).toBe(409);
      expect(await storedSecret(created.body.id)).toEqual({ apiToken: 'pipedrive-token-kept' });
      const read = await call(
        request(h.app).get(`/v1/crm-connections/${created.body.id}`).set(bearer(admin)),
      );
      expect(read.status).toBe(200);
    });

    it('when its claim has lapsed, then the connection can be changed again', async () => {
      const created = await create({
        type: 'pipedrive',
        name: 'Lapsed',
        credentials: { apiToken: 'pipedrive-token-before' },
      });
      await abandonClaim(created.body.id, Date.now() - 1);
      const rotated = await patch(created, { credentials: { apiToken: 'pipedrive-token-after' } });
      expect(rotated.status).toBe(200);
      expect(rotated.body.version).toBe(2);
      expect(await storedSecret(created.body.id)).toEqual({ apiToken: 'pipedrive-token-after' });
    });
  });

  it.each([
    [
      'credentials of another type',
      { type: 'hubspot', name: 'X', credentials: { apiToken: 'abcdefghijkl' } },
      ['body.credentials.accessToken', 'body.credentials.apiToken'],
    ],
    ['an unknown type', { type: 'zoho', name: 'X', credentials: {} }, ['body.type']],
    [
      'a mapping of an unknown custom field',
      {
        type: 'pipedrive',
        name: 'X',
        credentials: { apiToken: 'abcdefghijkl' },
        fieldMapping: { 'custom.nope': 'x' },
      },
      ['body.fieldMapping.custom.nope'],
    ],
    [
      'a mapping onto the Salesforce field the sync upserts by',
      {
        type: 'salesforce',
        name: 'X',
        credentials: {
          instanceUrl: 'https://acme.my.salesforce.com',
          accessToken: 'abcdefghijkl',
        },
        fieldMapping: { email: 'Email', company: 'leadflow_id__c' },
      },
      ['body.fieldMapping.company'],
    ],
    [
      'a mapping of an unknown lead field',
      {
        type: 'pipedrive',
        name: 'X',
        credentials: { apiToken: 'abcdefghijkl' },
        fieldMapping: { shoeSize: 'x' },
      },
      ['body.fieldMapping.shoeSize'],
    ],
    [
      'a webhook URL that is not http(s)',
      {
        type: 'webhook',
        name: 'X',
        credentials: { url: 'ftp://x.test', signingSecret: '0123456789abcdef' },
      },
      ['body.credentials.url'],
    ],
  ])('when a connection has %s, then 400 naming the field', async (_case, body, fields) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(fields),
    );
  });

  it('when rotated credentials do not fit the type, then 400 and the secret stays', async () => {
    const created = await create({
      type: 'pipedrive',
      name: 'P',
      credentials: { apiToken: 'pipedrive-token-1' },
    });
    const res = await patch(created, { credentials: { accessToken: 'wrong-shape-123' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.credentials.apiToken', 'body.credentials.accessToken']),
    );
  });

  it('when another tenant asks for the connection, then 404', async () => {
    const created = await create({
      type: 'hubspot',
      name: 'H2',
      credentials: { accessToken: ACCESS_TOKEN },
    });
    await h.createTenant('other');
    const other = await h.token('other', 'admin');
    expect(
      (await call(request(h.app).get(`/v1/crm-connections/${created.body.id}`).set(bearer(other))))
        .status,
    ).toBe(404);
    expect(
      (
        await call(
          request(h.app).delete(`/v1/crm-connections/${created.body.id}`).set(bearer(other)),
        )
      ).status,
    ).toBe(404);
    expect(
      (await call(request(h.app).get('/v1/crm-connections').set(bearer(other)))).body.items,
    ).toEqual([]);
  });

  it('when a connection is deleted, then it is gone and its secret is scheduled for deletion; with Secrets Manager down, 503 and nothing deleted, and a repeat completes it', async () => {
    const created = await create({
      type: 'hubspot',
      name: 'Gone',
      credentials: { accessToken: ACCESS_TOKEN },
    });
    const remove = (app: typeof h.app) =>
      call(request(app).delete(`/v1/crm-connections/${created.body.id}`).set(bearer(admin)));
    expect((await remove(h.appWithUnreachable('secrets'))).status).toBe(503);
    expect(
      (await call(request(h.app).get(`/v1/crm-connections/${created.body.id}`).set(bearer(admin))))
        .status,
    ).toBe(200);
    expect(await storedSecret(created.body.id)).toEqual({ accessToken: ACCESS_TOKEN });
    expect(
      (
        await call(
          request(h.app).delete(`/v1/crm-connections/${created.body.id}`).set(bearer(admin)),
        )
      ).status,
    ).toBe(204);
    expect(
      (await call(request(h.app).get(`/v1/crm-connections/${created.body.id}`).set(bearer(admin))))
        .status,
    ).toBe(404);
    await expect(secretOf(created.body.id)).rejects.toThrow();
  });

  afterAll(() => {
    // The secret appears in no response and in no log line.
    const everything = [...responses, ...h.logs].join('\n');
    expect(everything).not.toContain(ACCESS_TOKEN);
    expect(everything).not.toContain('second-secret-0123456789');
    expect(everything).not.toContain('pipedrive-token-1');
    expect(everything).not.toContain('new-secret-0123456789');
    expect(h.logs.length).toBeGreaterThan(0);
  });
});
