import request from 'supertest';
import { bearer, etagOf, startHarness, type Harness } from './harness';

describe('tenants', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('alpha');
    admin = await h.token('alpha', 'admin');
  });
  afterAll(() => h.close());

  it('when a platform admin creates a tenant, then it answers 201 with defaults and an ETag', async () => {
    const res = await request(h.app)
      .post('/v1/tenants')
      .set(bearer(await h.token('platform', 'platform-admin')))
      .send({ name: 'Beta Ltd', slug: 'beta', defaultCountry: 'GB', timezone: 'Europe/London' });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      id: 'beta',
      slug: 'beta',
      pipeline: { statuses: ['new', 'contacted', 'qualified', 'converted', 'lost'] },
      dedupe: { mode: 'merge', ignorePlusTag: true },
      assignment: { mode: 'none' },
      customFields: [],
    });
  });

  it('when the slug is taken, then 409', async () => {
    const res = await request(h.app)
      .post('/v1/tenants')
      .set(bearer(await h.token('platform', 'platform-admin')))
      .send({ name: 'Again', slug: 'alpha', defaultCountry: 'DE', timezone: 'Europe/Berlin' });
    expect(res.status).toBe(409);
  });

  it('when the first admin’s e-mail already has an account, then 409 leaves no tenant behind and a retry creates it', async () => {
    const platform = await h.token('platform', 'platform-admin');
    await h.token('alpha', 'viewer'); // viewer@alpha.test has an account
    const create = (email: string) =>
      request(h.app).post('/v1/tenants').set(bearer(platform)).send({
        name: 'Epsilon',
        slug: 'epsilon',
        defaultCountry: 'DE',
        timezone: 'Europe/Berlin',
        admin: { email },
      });

    const refused = await create('viewer@alpha.test');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/user with this e-mail already exists/);

    const retried = await create('first@epsilon.test');
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: 'epsilon', version: 1 });
  });

  it('when the country or time zone is unknown, then 400 naming them', async () => {
    const res = await request(h.app)
      .post('/v1/tenants')
      .set(bearer(await h.token('platform', 'platform-admin')))
      .send({ name: 'X', slug: 'gamma', defaultCountry: 'XX', timezone: 'Mars/Olympus' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'body.defaultCountry', message: 'is not a known country code' },
      { field: 'body.timezone', message: 'is not an IANA time zone' },
    ]);
  });

  it('when a tenant admin creates a tenant, then 403', async () => {
    const res = await request(h.app)
      .post('/v1/tenants')
      .set(bearer(admin))
      .send({ name: 'X', slug: 'delta', defaultCountry: 'DE', timezone: 'UTC' });
    expect(res.status).toBe(403);
  });

  it('when a member reads the tenant, then it is theirs, with its ETag', async () => {
    const res = await request(h.app)
      .get('/v1/tenant')
      .set(bearer(await h.token('alpha', 'viewer')));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('alpha');
    expect(res.headers.etag).toBe(`"${res.body.version}"`);
  });

  it.each([
    ['createForm', '/v1/forms', { name: 'F', fields: [{ key: 'email' }] }],
    [
      'createCrmConnection',
      '/v1/crm-connections',
      { type: 'pipedrive', name: 'P', credentials: { apiToken: 'token-123456' } },
    ],
    [
      'createLogoUpload',
      '/v1/tenant/branding/logo',
      { contentType: 'image/png', contentLength: 10 },
    ],
  ])('when the caller’s tenant does not exist, then %s answers 404', async (_op, path, body) => {
    const res = await request(h.app)
      .post(path)
      .set(bearer(await h.token('ghost', 'admin')))
      .send(body);
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('Tenant not found');
  });

  describe('updates', () => {
    async function current() {
      const res = await request(h.app).get('/v1/tenant').set(bearer(admin));
      return res.headers.etag as string;
    }

    it('when If-Match is missing, then 428', async () => {
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .send({ name: 'New name' });
      expect(res.status).toBe(428);
    });

    it('when If-Match is stale, then 412 and nothing changes', async () => {
      const etag = await current();
      const ok = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ name: 'First' });
      expect(ok.status).toBe(200);
      const stale = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ name: 'Second' });
      expect(stale.status).toBe(412);
      expect((await request(h.app).get('/v1/tenant').set(bearer(admin))).body.name).toBe('First');
    });

    it('when branding is patched, then it is merged and the version moves on', async () => {
      const etag = await current();
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ branding: { primaryColor: '#0B7A75' } });
      expect(res.status).toBe(200);
      expect(res.body.branding).toEqual({
        primaryColor: '#0B7A75',
        accentColor: '#F78166',
        font: 'Inter',
      });
      expect(res.headers.etag).toBe(`"${Number(JSON.parse(etag)) + 1}"`);
    });

    it('when custom fields are defined, then they are stored and become the lead schema', async () => {
      const etag = await current();
      const customFields = [
        { key: 'budget', label: 'Budget', type: 'number', min: 0 },
        {
          key: 'product',
          label: 'Product',
          type: 'select',
          options: ['basic', 'pro'],
          required: true,
        },
      ];
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ customFields });
      expect(res.status).toBe(200);
      expect(res.body.customFields).toEqual([
        { key: 'budget', label: 'Budget', type: 'number', min: 0, required: false, pii: false },
        {
          key: 'product',
          label: 'Product',
          type: 'select',
          options: ['basic', 'pro'],
          required: true,
          pii: false,
        },
      ]);
    });

    it.each([
      [
        'duplicate keys',
        [
          { key: 'size', label: 'A', type: 'text' },
          { key: 'size', label: 'B', type: 'text' },
        ],
        'body.customFields.1.key',
        /duplicates customFields.0.key/,
      ],
      [
        'a custom field shadowing a standard one',
        [{ key: 'email', label: 'Mail', type: 'text' }],
        'body.customFields.0.key',
        /standard field/,
      ],
      [
        'a key every consumer of lead events refuses',
        [{ key: 'constructor', label: 'Constructor', type: 'text' }],
        'body.customFields.0.key',
        /is reserved/,
      ],
      [
        'a bound beyond what a number keeps exactly',
        [{ key: 'budget', label: 'Budget', type: 'number', max: 1e200 }],
        'body.customFields.0.max',
        /must be <=/,
      ],
      [
        'a select without options',
        [{ key: 'tier', label: 'Tier', type: 'select' }],
        'body.customFields.0.options',
        /required/,
      ],
      [
        'a catastrophic pattern',
        [{ key: 'code', label: 'Code', type: 'text', pattern: '(a+)+$' }],
        'body.customFields.0.pattern',
        /nests quantifiers/,
      ],
      [
        'a key that is not lower-case',
        [{ key: 'Budget', label: 'B', type: 'text' }],
        'body.customFields.0.key',
        /pattern/,
      ],
      [
        'an unknown type',
        [{ key: 'x', label: 'X', type: 'colour' }],
        'body.customFields.0.type',
        /./,
      ],
      [
        'an unknown property',
        [{ key: 'x', label: 'X', type: 'text', colour: 'red' }],
        'body.customFields.0.colour',
        /not an allowed field/,
      ],
    ])(
      'when custom fields have %s, then 400 naming the field',
      async (_case, customFields, field, message) => {
        const res = await request(h.app)
          .patch('/v1/tenant')
          .set(bearer(admin))
          .set('If-Match', await current())
          .send({ customFields });
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(res.body.errors).toEqual(
          expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
        );
      },
    );

    it.each([
      ['an unknown top-level field', { plan: 'enterprise' }, 'body.plan'],
      ['a wrong type', { name: 42 }, 'body.name'],
      [
        'a colour that is not hex',
        { branding: { primaryColor: 'red' } },
        'body.branding.primaryColor',
      ],
      ['a duplicate status', { pipeline: { statuses: ['new', 'new'] } }, 'body.pipeline.statuses'],
      [
        'round-robin without agents',
        { assignment: { mode: 'round-robin' } },
        'body.assignment.agents',
      ],
      [
        'a logo from elsewhere',
        { branding: { logoUrl: 'https://evil.example/logo.png' } },
        'body.branding.logoUrl',
      ],
      [
        'a custom field keyed like a submission’s context',
        { customFields: [{ key: 'utm_source', label: 'Source', type: 'number' }] },
        'body.customFields.0.key',
      ],
      [
        'a custom field keyed like a consent',
        { customFields: [{ key: 'consent_privacy', label: 'Privacy', type: 'text' }] },
        'body.customFields.0.key',
      ],
    ])('when the patch has %s, then 400 naming it', async (_case, body, field) => {
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', await current())
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('when the body is larger than the limit, then 413', async () => {
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', await current())
        .send({ name: 'x'.repeat(200 * 1024) });
      expect(res.status).toBe(413);
    });
  });

  describe('logo upload', () => {
    it('when an admin asks for an upload URL, then a PUT of that type and size lands in S3 and the logo can be set', async () => {
      const png = Buffer.alloc(2048, 1);
      const res = await request(h.app)
        .post('/v1/tenant/branding/logo')
        .set(bearer(admin))
        .send({ contentType: 'image/png', contentLength: png.length });
      expect(res.status).toBe(201);
      expect(res.body.logoUrl).toMatch(/\/tenants\/alpha\/branding\/logo-[0-9A-Z]{26}\.png$/);
      const upload = await fetch(res.body.uploadUrl, {
        method: 'PUT',
        headers: res.body.headers,
        body: png,
      });
      expect(upload.status).toBe(200);
      // S3 refuses another size because the length is signed (moto does not check signatures).
      expect(new URL(res.body.uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe(
        'cache-control;content-length;content-type;host',
      );
      // No checksum of an empty body (the SDK's default since 3.729): S3 would refuse the logo.
      expect([...new URL(res.body.uploadUrl).searchParams.keys()]).not.toContainEqual(
        expect.stringMatching(/checksum/i),
      );
      const served = await fetch(res.body.logoUrl);
      expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
      expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const etag = etagOf(await request(h.app).get('/v1/tenant').set(bearer(admin)));
      const patched = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etag)
        .send({ branding: { logoUrl: res.body.logoUrl } });
      expect(patched.status).toBe(200);
      expect(patched.body.branding.logoUrl).toBe(res.body.logoUrl);

      // Only this tenant's own uploads: a path that climbs out of its folder is refused.
      const elsewhere = res.body.logoUrl.replace(/logo-[^/]+$/, '../../beta/branding/logo.png');
      const climbing = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etagOf(patched))
        .send({ branding: { logoUrl: elsewhere } });
      expect(climbing.status).toBe(400);
      expect(climbing.body.errors[0].field).toBe('body.branding.logoUrl');

      const removed = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etagOf(patched))
        .send({ branding: { logoUrl: null } });
      expect(removed.status).toBe(200);
      expect(removed.body.branding).toEqual({ ...patched.body.branding, logoUrl: undefined });
      expect(removed.body.branding).not.toHaveProperty('logoUrl');
    });

    it.each([
      ['a GIF', { contentType: 'image/gif', contentLength: 100 }, 'body.contentType'],
      [
        'more than 512 KiB',
        { contentType: 'image/png', contentLength: 512 * 1024 + 1 },
        'body.contentLength',
      ],
    ])('when the logo is %s, then 400', async (_case, body, field) => {
      const res = await request(h.app)
        .post('/v1/tenant/branding/logo')
        .set(bearer(admin))
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });
});
