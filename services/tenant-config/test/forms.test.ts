import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import request from 'supertest';
import type { PublishedFormItem } from '@leadflow/contracts';
import { compileSchema, documentClient } from '@leadflow/core';
import { FormRepository } from '../src/forms/form.repository';
import { bearer, etagOf, startHarness, type Harness } from './harness';

const contactForm = {
  name: 'Contact us',
  fields: [
    { key: 'email', required: true },
    { key: 'firstName' },
    { key: 'phone' },
    { key: 'budget', label: 'Your budget' },
    { key: 'product' },
  ],
  consents: [{ key: 'privacy', text: 'I agree to the privacy policy.', required: true }],
  allowedOrigins: ['https://www.alpha.test'],
  honeypotField: 'website',
  success: { redirectUrl: 'https://www.alpha.test/thanks' },
};

/** The repository's own writes, kept before any test spies on them. */
const COMMITS = {
  delete: FormRepository.prototype.delete,
  unpublish: FormRepository.prototype.unpublish,
};

describe('forms', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.createTenant('alpha');
    admin = await h.token('alpha', 'admin');
    const etag = etagOf(await request(h.app).get('/v1/tenant').set(bearer(admin)));
    await request(h.app)
      .patch('/v1/tenant')
      .set(bearer(admin))
      .set('If-Match', etag)
      .send({
        customFields: [
          { key: 'budget', label: 'Budget', type: 'number', min: 0 },
          {
            key: 'product',
            label: 'Product',
            type: 'select',
            options: ['basic', 'pro'],
            required: true,
          },
        ],
      })
      .expect(200);
  });
  afterAll(() => h.close());

  async function createForm(body: object = contactForm) {
    const res = await request(h.app).post('/v1/forms').set(bearer(admin)).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; formKey: string; version: number };
  }

  it('when a form is created, then it is a draft with an unguessable public key', async () => {
    const form = await createForm();
    expect(form).toMatchObject({
      status: 'draft',
      version: 1,
      hasGoogleAdsKey: false,
      publicConfigUrl: null,
      hasUnpublishedChanges: false,
    });
    expect(form.formKey).toMatch(/^frm_[A-Za-z0-9]{24}$/);
  });

  describe('publishing', () => {
    let form: { id: string; formKey: string };
    let published: request.Response;

    beforeAll(async () => {
      form = await createForm();
      published = await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin));
    });

    it('when a form is published, then it says so, with a version and the CDN URL of its config', () => {
      expect(published.status).toBe(200);
      expect(published.body).toMatchObject({
        status: 'published',
        publishedVersion: 1,
        hasUnpublishedChanges: false,
      });
      expect(published.body.publicConfigUrl).toMatch(
        new RegExp(`/tenants/alpha/forms/${form.formKey}\\.json$`),
      );
    });

    it('when published, then its config object is in S3 at tenants/<tenant>/forms/<key>.json with cache headers', async () => {
      const object = await h.aws.s3.send(
        new GetObjectCommand({
          Bucket: h.stack.resources.bucket,
          Key: `tenants/alpha/forms/${form.formKey}.json`,
        }),
      );
      expect(object.ContentType).toBe('application/json');
      expect(object.CacheControl).toBe('public, max-age=60, stale-while-revalidate=300');
      const config = JSON.parse(await object.Body!.transformToString());
      expect(config).toMatchObject({
        formKey: form.formKey,
        version: 1,
        consents: contactForm.consents,
        theme: { primaryColor: '#1F6FEB' },
        fields: expect.arrayContaining([
          { key: 'budget', type: 'number', label: 'Your budget', required: false, min: 0 },
        ]),
      });
    });

    it('when its schema judges submissions, then valid ones pass and invalid ones fail', async () => {
      const object = await h.aws.s3.send(
        new GetObjectCommand({
          Bucket: h.stack.resources.bucket,
          Key: `tenants/alpha/forms/${form.formKey}.json`,
        }),
      );
      const validate = compileSchema(JSON.parse(await object.Body!.transformToString()).schema);
      const valid = {
        email: 'jane@example.com',
        product: 'pro',
        budget: 100,
        consent_privacy: true,
        utm_source: 'ads',
      };
      expect(validate(valid)).toBe(true);
      expect(validate({ ...valid, email: 'not-an-email' })).toBe(false);
      expect(validate({ ...valid, product: 'enterprise' })).toBe(false);
      expect(validate({ ...valid, consent_privacy: false })).toBe(false);
      expect(validate({ ...valid, isAdmin: true })).toBe(false);
      const { product: _product, ...withoutRequired } = valid;
      expect(validate(withoutRequired)).toBe(false);
    });

    it('when the public endpoint serves the config, then with an ETag, and 304 when it matches', async () => {
      const res = await request(h.app).get(`/v1/public/forms/${form.formKey}`);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body.formKey).toBe(form.formKey);
      const again = await request(h.app)
        .get(`/v1/public/forms/${form.formKey}`)
        .set('If-None-Match', '"1"');
      expect(again.status).toBe(304);
    });

    it('when a page of an allowed origin asks, then CORS allows it; other origins are not', async () => {
      const allowed = await request(h.app)
        .options(`/v1/public/forms/${form.formKey}`)
        .set('Origin', 'https://www.alpha.test')
        .set('Access-Control-Request-Method', 'GET');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://www.alpha.test');
      const other = await request(h.app)
        .get(`/v1/public/forms/${form.formKey}`)
        .set('Origin', 'https://evil.test');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('when the form changes after publishing, then the published version stays until it is published again', async () => {
      const current = await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin));
      const changed = await request(h.app)
        .patch(`/v1/forms/${form.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(current))
        .send({ name: 'Renamed' });
      expect(changed.body).toMatchObject({ hasUnpublishedChanges: true, publishedVersion: 1 });
      expect((await request(h.app).get(`/v1/public/forms/${form.formKey}`)).body.name).toBe(
        'Contact us',
      );
      const republished = await request(h.app)
        .post(`/v1/forms/${form.id}/publish`)
        .set(bearer(admin));
      expect(republished.body).toMatchObject({ publishedVersion: 2, hasUnpublishedChanges: false });
      expect((await request(h.app).get(`/v1/public/forms/${form.formKey}`)).body).toMatchObject({
        name: 'Renamed',
        version: 2,
      });
    });

    it('when a custom field used by the form is removed from the tenant, then 409', async () => {
      const tenant = await request(h.app).get('/v1/tenant').set(bearer(admin));
      const res = await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(admin))
        .set('If-Match', etagOf(tenant))
        .send({ customFields: [] });
      expect(res.status).toBe(409);
    });

    it('when the form is unpublished, then its public config is gone', async () => {
      const res = await request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(admin));
      expect(res.body).toMatchObject({ status: 'draft', publicConfigUrl: null });
      expect((await request(h.app).get(`/v1/public/forms/${form.formKey}`)).status).toBe(404);
    });
  });

  it('when a form is deleted, then it and its public config are gone', async () => {
    const form = await createForm();
    await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)).expect(200);
    expect((await request(h.app).delete(`/v1/forms/${form.id}`).set(bearer(admin))).status).toBe(
      204,
    );
    expect((await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin))).status).toBe(404);
    expect((await request(h.app).get(`/v1/public/forms/${form.formKey}`)).status).toBe(404);
  });

  /** Whether the form's public config is on the CDN. */
  const onCdn = (formKey: string) =>
    h.aws.s3
      .send(
        new GetObjectCommand({
          Bucket: h.stack.resources.bucket,
          Key: `tenants/alpha/forms/${formKey}.json`,
        }),
      )
      .then(
        () => true,
        () => false,
      );

  /** An edit of the form's name, from the version it has now. */
  const rename = async (formId: string, name: string) => {
    const current = await request(h.app).get(`/v1/forms/${formId}`).set(bearer(admin));
    await request(h.app)
      .patch(`/v1/forms/${formId}`)
      .set(bearer(admin))
      .set('If-Match', etagOf(current))
      .send({ name })
      .expect(200);
  };

  /** Runs `meanwhile` each time the repository is about to commit a delete or unpublish. */
  function beforeCommitOf(
    method: 'delete' | 'unpublish',
    meanwhile: () => Promise<unknown>,
    times = 1,
  ) {
    const commit = COMMITS[method] as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(FormRepository.prototype, method);
    for (let i = 0; i < times; i++)
      spy.mockImplementationOnce(async function (this: FormRepository, ...args: unknown[]) {
        await meanwhile();
        return commit.apply(this, args);
      } as never);
    return spy;
  }

  it('when a publish lands while the form is being deleted, then no config is left on the CDN', async () => {
    const form = await createForm();
    let published = 0;
    // The delete has removed the config and is about to commit; a publish runs meanwhile.
    beforeCommitOf('delete', async () => {
      published = (await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)))
        .status;
    });
    await request(h.app).delete(`/v1/forms/${form.id}`).set(bearer(admin)).expect(204);
    expect(published).toBe(200);
    expect(await onCdn(form.formKey)).toBe(false);
  });

  it('when a publish lands while the form is being unpublished, then the published form keeps its config on the CDN', async () => {
    const form = await createForm();
    await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)).expect(200);
    const send = h.aws.s3.send.bind(h.aws.s3);
    let published = 0;
    // The unpublish has committed and is about to remove the config; a publish runs meanwhile.
    const racing = jest.spyOn(h.aws.s3, 'send').mockImplementation((async (command: unknown) => {
      if (!published && command instanceof DeleteObjectCommand)
        published = (await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)))
          .status;
      return send(command as never);
    }) as typeof h.aws.s3.send);
    try {
      await request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(admin)).expect(200);
    } finally {
      racing.mockRestore();
    }
    expect(published).toBe(200);
    const now = await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin));
    expect(now.body.status).toBe('published');
    expect(await onCdn(form.formKey)).toBe(true);
  });

  it('when a form is deleted while it is being unpublished, then the unpublish answers 404, not 500', async () => {
    const form = await createForm();
    await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)).expect(200);
    beforeCommitOf('unpublish', () =>
      request(h.app).delete(`/v1/forms/${form.id}`).set(bearer(admin)).expect(204),
    );
    const res = await request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(admin));
    expect(res.status).toBe(404);
  });

  it('when a form is published or unpublished, then a copy read before is no longer current: its ETag answers 200, not 304, and If-Match 412', async () => {
    const form = await createForm();
    const get = (etag: string) =>
      request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin)).set('If-None-Match', etag);
    /** The copy read before `action` is answered in full, as `action` left the form. */
    const replaced = async (before: request.Response, action: 'publish' | 'unpublish') => {
      const acted = await request(h.app)
        .post(`/v1/forms/${form.id}/${action}`)
        .set(bearer(admin))
        .expect(200);
      const read = await get(etagOf(before));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe(acted.headers.etag);
      return { acted, read };
    };
    const draft = await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin));
    const { acted: published, read: afterPublish } = await replaced(draft, 'publish');
    expect(afterPublish.body).toMatchObject({ status: 'published', hasUnpublishedChanges: false });
    expect((await get(etagOf(published))).status).toBe(304);
    const stale = await request(h.app)
      .patch(`/v1/forms/${form.id}`)
      .set(bearer(admin))
      .set('If-Match', etagOf(draft))
      .send({ name: 'From a stale copy' });
    expect(stale.status).toBe(412);

    const { read: afterUnpublish } = await replaced(published, 'unpublish');
    expect(afterUnpublish.body).toMatchObject({ status: 'draft', publicConfigUrl: null });
  });

  it('when the form is edited while it is being unpublished, then the unpublish reads it again and answers the form as it is now', async () => {
    const form = await createForm();
    await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)).expect(200);
    beforeCommitOf('unpublish', () => rename(form.id, 'Edited meanwhile'));
    const res = await request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(admin));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'draft', name: 'Edited meanwhile' });
    const now = await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin));
    expect(now.body).toEqual(res.body);
    expect(now.headers.etag).toBe(res.headers.etag);
    expect(await onCdn(form.formKey)).toBe(false);
  });

  it('when the form is edited before every try of an unpublish, then 409 after three, and it stays published', async () => {
    const form = await createForm();
    await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(admin)).expect(200);
    let edits = 0;
    const spy = beforeCommitOf('unpublish', () => rename(form.id, `Edit ${++edits}`), 3);
    const res = await request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(admin));
    spy.mockRestore();
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/keeps being changed.*unpublish again/);
    expect(edits).toBe(3);
    const now = await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin));
    expect(now.body).toMatchObject({ status: 'published', name: 'Edit 3' });
    expect(await onCdn(form.formKey)).toBe(true);
  });
  it('when forms are listed, then newest first, page by page', async () => {
    const tenant = 'listing';
    await h.createTenant(tenant);
    const token = await h.token(tenant, 'admin');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await request(h.app)
            .post('/v1/forms')
            .set(bearer(token))
            .send({ name: `F${i}`, fields: [{ key: 'email' }] })
        ).body.id,
      );
    const first = await request(h.app).get('/v1/forms?limit=2').set(bearer(token));
    expect(first.body.items.map((f: { id: string }) => f.id)).toEqual([ids[2], ids[1]]);
    const second = await request(h.app)
      .get(`/v1/forms?limit=2&cursor=${first.body.nextCursor}`)
      .set(bearer(token));
    expect(second.body.items.map((f: { id: string }) => f.id)).toEqual([ids[0]]);
    const forged = await request(h.app)
      .get(
        `/v1/forms?cursor=${Buffer.from(JSON.stringify({ PK: 'TENANT#alpha', SK: 'FORM#x' })).toString('base64url')}`,
      )
      .set(bearer(token));
    expect(forged.status).toBe(400);
  });

  it.each([
    ['an unknown field', { ...contactForm, fields: [{ key: 'shoeSize' }] }, 'body.fields.0.key'],
    [
      'a duplicate field',
      { ...contactForm, fields: [{ key: 'email' }, { key: 'email' }] },
      'body.fields.1.key',
    ],
    [
      'an origin with a path',
      { ...contactForm, allowedOrigins: ['https://www.alpha.test/page'] },
      'body.allowedOrigins.0',
    ],
    [
      'an origin that is not a URL',
      { ...contactForm, allowedOrigins: ['alpha.test'] },
      'body.allowedOrigins.0',
    ],
    [
      'a honeypot named like a field',
      { ...contactForm, honeypotField: 'budget' },
      'body.honeypotField',
    ],
    ['no fields', { ...contactForm, fields: [] }, 'body.fields'],
    ['a wrong type', { ...contactForm, name: 7 }, 'body.name'],
    ['an unknown property', { ...contactForm, theme: 'dark' }, 'body.theme'],
    [
      'a redirect that is not http(s)',
      { ...contactForm, success: { redirectUrl: 'javascript:alert(1)' } },
      'body.success.redirectUrl',
    ],
  ])('when a form has %s, then 400 naming it', async (_case, body, field) => {
    const res = await request(h.app).post('/v1/forms').set(bearer(admin)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('when another tenant asks for this tenant’s form, then 404 as if it did not exist', async () => {
    const form = await createForm();
    await h.createTenant('other');
    const other = await h.token('other', 'admin');
    expect((await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(other))).status).toBe(404);
    expect(
      (await request(h.app).post(`/v1/forms/${form.id}/publish`).set(bearer(other))).status,
    ).toBe(404);
    expect((await request(h.app).delete(`/v1/forms/${form.id}`).set(bearer(other))).status).toBe(
      404,
    );
    expect((await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(admin))).status).toBe(200);
  });

  describe('publishing against failures and concurrent requests', () => {
    let token: string;

    beforeAll(async () => {
      await h.createTenant('racing');
      token = await h.token('racing', 'admin');
    });
    afterEach(() => jest.restoreAllMocks());

    async function draft(name: string) {
      const res = await request(h.app)
        .post('/v1/forms')
        .set(bearer(token))
        .send({ name, fields: [{ key: 'email', required: true }] });
      expect(res.status).toBe(201);
      return res;
    }

    const publish = (formId: string, app = h.app) =>
      request(app).post(`/v1/forms/${formId}/publish`).set(bearer(token));

    const ingestionView = (formKey: string) => request(h.app).get(`/v1/public/forms/${formKey}`);

    async function cdnView(formKey: string) {
      const object = await h.aws.s3.send(
        new GetObjectCommand({
          Bucket: h.stack.resources.bucket,
          Key: `tenants/racing/forms/${formKey}.json`,
        }),
      );
      return JSON.parse(await object.Body!.transformToString());
    }

    /** Runs `meanwhile` after a publish has read the form and before it commits. */
    function beforeNextCommit(meanwhile: () => Promise<unknown>) {
      const commit = FormRepository.prototype.publish;
      jest.spyOn(FormRepository.prototype, 'publish').mockImplementationOnce(async function (
        this: FormRepository,
        ...args
      ) {
        await meanwhile();
        return commit.apply(this, args);
      });
    }

    it('when S3 fails after the commit, then 503 says so, and publishing again writes the config without a new version', async () => {
      const form = (await draft('Outage')).body;
      const failed = await publish(form.id, h.appWithUnreachable('s3'));
      expect(failed.status).toBe(503);
      expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(failed.body.detail).toMatch(/takes submissions.*publish again/);
      expect((await ingestionView(form.formKey)).body.version).toBe(1);
      await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });

      const retried = await publish(form.id);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ publishedVersion: 1, hasUnpublishedChanges: false });
      expect(await cdnView(form.formKey)).toMatchObject({ version: 1, name: 'Outage' });
      expect((await ingestionView(form.formKey)).body.version).toBe(1);
    });

    it('when S3 fails while a published form is deleted, then 503, the form stays whole, and deleting again removes it and its config', async () => {
      const form = (await draft('Doomed')).body;
      expect((await publish(form.id)).status).toBe(200);
      const remove = (app = h.app) =>
        request(app).delete(`/v1/forms/${form.id}`).set(bearer(token));

      const failed = await remove(h.appWithUnreachable('s3'));
      expect(failed.status).toBe(503);
      expect(failed.body.detail).toMatch(/not deleted.*delete it again/);
      expect((await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(token))).status).toBe(
        200,
      );
      expect(await cdnView(form.formKey)).toMatchObject({ name: 'Doomed' });

      expect((await remove()).status).toBe(204);
      expect((await ingestionView(form.formKey)).status).toBe(404);
      await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });
    });

    it('when S3 fails while a form is unpublished, then 503 says so, and unpublishing again removes its config', async () => {
      const form = (await draft('Paused')).body;
      expect((await publish(form.id)).status).toBe(200);
      const unpublish = (app = h.app) =>
        request(app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(token));

      const failed = await unpublish(h.appWithUnreachable('s3'));
      expect(failed.status).toBe(503);
      expect(failed.body.detail).toMatch(/no longer takes submissions.*unpublish again/);
      expect((await ingestionView(form.formKey)).status).toBe(404);

      expect((await unpublish()).status).toBe(200);
      await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });
    });

    it('when the form changes while it is being published, then 409 and neither ingestion nor the CDN gets the old content', async () => {
      const created = await draft('Before');
      const form = created.body;
      beforeNextCommit(() =>
        request(h.app)
          .patch(`/v1/forms/${form.id}`)
          .set(bearer(token))
          .set('If-Match', etagOf(created))
          .send({ name: 'After' })
          .expect(200),
      );
      const res = await publish(form.id);
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/publish again/);
      expect((await ingestionView(form.formKey)).status).toBe(404);
      await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });

      expect((await publish(form.id)).status).toBe(200);
      expect(await cdnView(form.formKey)).toMatchObject({ version: 1, name: 'After' });
    });

    /** A change of the tenant's branding: every published form gets a new version when published again. */
    async function rebrand(primaryColor: string) {
      const tenant = await request(h.app).get('/v1/tenant').set(bearer(token));
      await request(h.app)
        .patch('/v1/tenant')
        .set(bearer(token))
        .set('If-Match', etagOf(tenant))
        .send({ branding: { primaryColor } })
        .expect(200);
    }

    it('when an older publish’s CDN write comes after a newer one’s, then the CDN keeps the newer version', async () => {
      const form = (await draft('Ordered')).body;
      expect((await publish(form.id)).status).toBe(200);
      await rebrand('#111111');
      const send = h.aws.s3.send.bind(h.aws.s3);
      // The older publish (version 2) has committed; its first S3 call waits for a newer one.
      const afterANewerPublish = async (command: Parameters<typeof send>[0]) => {
        await rebrand('#222222');
        expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 3 });
        return send(command);
      };
      jest
        .spyOn(h.aws.s3, 'send')
        .mockImplementationOnce(afterANewerPublish as typeof h.aws.s3.send);
      expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 2 });
      expect(await cdnView(form.formKey)).toMatchObject({
        version: 3,
        theme: { primaryColor: '#222222' },
      });
    });

    it('when a newer publish writes between an older one’s look and its write, then the older looks again and keeps the newer version', async () => {
      const form = (await draft('Interleaved')).body;
      expect((await publish(form.id)).status).toBe(200);
      await rebrand('#444444');
      const send = h.aws.s3.send.bind(h.aws.s3);
      let raced = false;
      // The older publish (version 2) has looked at version 1; before its write, version 3 lands.
      const newerWriteFirst = async (command: Parameters<typeof send>[0]) => {
        if (!raced && command instanceof PutObjectCommand) {
          raced = true;
          await rebrand('#555555');
          expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 3 });
        }
        return send(command);
      };
      jest.spyOn(h.aws.s3, 'send').mockImplementation(newerWriteFirst as typeof h.aws.s3.send);
      expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 2 });
      expect(raced).toBe(true);
      expect(await cdnView(form.formKey)).toMatchObject({
        version: 3,
        theme: { primaryColor: '#555555' },
      });
    });

    it.each([
      ['unpublished', (formId: string) => request(h.app).post(`/v1/forms/${formId}/unpublish`)],
      ['deleted', (formId: string) => request(h.app).delete(`/v1/forms/${formId}`)],
    ] as const)(
      'when the form is %s while a publish writes its config, then the config does not stay on the CDN',
      async (_, stop) => {
        const form = (await draft('Withdrawn')).body;
        const send = h.aws.s3.send.bind(h.aws.s3);
        // The publish has committed; its first S3 call waits until the form stopped.
        const afterTheFormStopped = async (command: Parameters<typeof send>[0]) => {
          expect((await stop(form.id).set(bearer(token))).status).toBeLessThan(300);
          return send(command);
        };
        jest
          .spyOn(h.aws.s3, 'send')
          .mockImplementationOnce(afterTheFormStopped as typeof h.aws.s3.send);
        expect((await publish(form.id)).status).toBe(200);
        expect((await ingestionView(form.formKey)).status).toBe(404);
        await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });
      },
    );

    it('when S3 fails as a publish takes back the config of a form unpublished meanwhile, then 503 says so, and publishing and unpublishing it removes the config', async () => {
      const form = (await draft('Stranded')).body;
      const unpublish = () =>
        request(h.app).post(`/v1/forms/${form.id}/unpublish`).set(bearer(token));
      const send = h.aws.s3.send.bind(h.aws.s3);
      let stopped = false;
      // The unpublish commits before the publish's first S3 call; the take-back then fails.
      const takeBackFails = async (command: Parameters<typeof send>[0]) => {
        if (!stopped) {
          stopped = true;
          expect((await unpublish()).status).toBe(200);
        }
        if (command instanceof DeleteObjectCommand && command.input.IfMatch)
          throw Object.assign(new Error('S3 did not answer'), { name: 'TimeoutError' });
        return send(command);
      };
      jest.spyOn(h.aws.s3, 'send').mockImplementation(takeBackFails as typeof h.aws.s3.send);
      const failed = await publish(form.id);
      expect(failed.status).toBe(503);
      expect(failed.body.detail).toMatch(
        /could not be removed from the CDN; publish and unpublish/,
      );
      jest.restoreAllMocks();
      expect(await cdnView(form.formKey)).toMatchObject({ name: 'Stranded' });

      expect((await publish(form.id)).status).toBe(200);
      expect((await unpublish()).status).toBe(200);
      await expect(cdnView(form.formKey)).rejects.toMatchObject({ name: 'NoSuchKey' });
    });

    /** A replica that missed the publishes after `stale`: eventually consistent reads still find it. */
    function laggingReplica(stale: PublishedFormItem) {
      const read = FormRepository.prototype.getPublished;
      jest.spyOn(FormRepository.prototype, 'getPublished').mockImplementation(function (
        this: FormRepository,
        formKey,
        options,
      ) {
        return options?.consistent ? read.call(this, formKey, options) : Promise.resolve(stale);
      });
    }

    it('when a replica still has an older version with the same content, then publishing moves the version on and ingestion and the CDN agree', async () => {
      const created = await draft('Original');
      const form = created.body;
      const rename = async (name: string) =>
        request(h.app)
          .patch(`/v1/forms/${form.id}`)
          .set(bearer(token))
          .set(
            'If-Match',
            etagOf(await request(h.app).get(`/v1/forms/${form.id}`).set(bearer(token))),
          )
          .send({ name })
          .expect(200);
      expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 1 });
      const forms = new FormRepository(documentClient(h.aws.dynamodb), h.stack.env.TENANTS_TABLE!);
      const first = (await forms.getPublished(form.formKey, { consistent: true }))!;
      await rename('Changed');
      expect((await publish(form.id)).body).toMatchObject({ publishedVersion: 2 });
      await rename('Original');

      laggingReplica(first);
      const republished = await publish(form.id);
      jest.restoreAllMocks();

      expect(republished.body).toMatchObject({ publishedVersion: 3 });
      expect((await ingestionView(form.formKey)).body).toMatchObject({
        version: 3,
        name: 'Original',
      });
      expect(await cdnView(form.formKey)).toMatchObject({ version: 3, name: 'Original' });
    });

    it('when two publishes race, then the later commit answers 409 and the earlier one’s version stays everywhere', async () => {
      const form = (await draft('Raced')).body;
      expect((await publish(form.id)).status).toBe(200);
      beforeNextCommit(async () => {
        const tenant = await request(h.app).get('/v1/tenant').set(bearer(token));
        await request(h.app)
          .patch('/v1/tenant')
          .set(bearer(token))
          .set('If-Match', etagOf(tenant))
          .send({ branding: { primaryColor: '#0B7A75' } })
          .expect(200);
        const winner = await publish(form.id);
        expect(winner.body).toMatchObject({ publishedVersion: 2 });
      });
      const loser = await publish(form.id);
      expect(loser.status).toBe(409);
      for (const view of [(await ingestionView(form.formKey)).body, await cdnView(form.formKey)])
        expect(view).toMatchObject({ version: 2, theme: { primaryColor: '#0B7A75' } });
    });
  });
});
