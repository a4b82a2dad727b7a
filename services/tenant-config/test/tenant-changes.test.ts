import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { tenantKeys } from '@leadflow/contracts';
import { documentClient } from '@leadflow/core';
import { bearer, etagOf, startHarness, type Harness } from './harness';

/** Changes of the tenant that forms depend on. */
describe('tenant changes and forms', () => {
  let h: Harness;
  let admin: string;
  let tenants = 0;
  let slug: string;
  const budget = { key: 'budget', label: 'Budget', type: 'number', min: 0 };
  const notes = { key: 'notes', label: 'Notes', type: 'text', pii: true };

  const patchTenant = async (body: object) => {
    const etag = etagOf(await request(h.app).get('/v1/tenant').set(bearer(admin)));
    return request(h.app).patch('/v1/tenant').set(bearer(admin)).set('If-Match', etag).send(body);
  };
  const removeNotes = () => patchTenant({ customFields: [budget] });
  /** Writes an item as an older release left it, which today's API would not write. */
  const asLeftBefore = (key: Record<string, string>, update: string, values?: object) =>
    documentClient(h.aws.dynamodb).send(
      new UpdateCommand({
        TableName: h.stack.env.TENANTS_TABLE!,
        Key: key,
        UpdateExpression: update,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  const hasUnpublishedChanges = async (id: string) =>
    (await request(h.app).get(`/v1/forms/${id}`).set(bearer(admin))).body.hasUnpublishedChanges;
  const createContactForm = () =>
    request(h.app)
      .post('/v1/forms')
      .set(bearer(admin))
      .send({ name: 'Contact', fields: [{ key: 'email' }, { key: 'notes' }] })
      .expect(201);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    slug = `changes-${++tenants}`;
    await h.createTenant(slug);
    admin = await h.token(slug, 'admin');
    expect((await patchTenant({ customFields: [budget, notes] })).status).toBe(200);
  });

  it('when the branding or a custom field a published form has changes, then the form has unpublished changes until it is published again', async () => {
    const created = await createContactForm();
    const id = created.body.id;
    const unpublished = async () =>
      (await request(h.app).get(`/v1/forms/${id}`).set(bearer(admin))).body.hasUnpublishedChanges;
    const published = await request(h.app)
      .post(`/v1/forms/${id}/publish`)
      .set(bearer(admin))
      .expect(200);
    expect(published.body.hasUnpublishedChanges).toBe(false);

    // Not what the form's config holds: the pipeline, or a custom field the form does not have.
    await patchTenant({ pipeline: { statuses: ['new', 'won'] } }).then((r) =>
      expect(r.status).toBe(200),
    );
    await patchTenant({ customFields: [{ ...budget, label: 'Budget (EUR)' }, notes] });
    expect(await unpublished()).toBe(false);

    await patchTenant({ branding: { primaryColor: '#000000' } });
    expect(await unpublished()).toBe(true);
    await request(h.app).post(`/v1/forms/${id}/publish`).set(bearer(admin)).expect(200);
    expect(await unpublished()).toBe(false);
    const live = await request(h.app).get(`/v1/public/forms/${created.body.formKey}`).expect(200);
    expect(live.body.theme.primaryColor).toBe('#000000');

    await patchTenant({ customFields: [budget, { ...notes, label: 'Your notes' }] });
    const listed = (await request(h.app).get('/v1/forms').set(bearer(admin))).body.items;
    expect(listed.find((f: { id: string }) => f.id === id).hasUnpublishedChanges).toBe(true);
  });

  it('when the tenant changes what a publish would not write (the order of its custom fields, pii, a label the form overrides), then the form has no unpublished changes', async () => {
    const created = await request(h.app)
      .post('/v1/forms')
      .set(bearer(admin))
      .send({
        name: 'Contact',
        fields: [{ key: 'email' }, { key: 'notes', label: 'Anything else?' }],
      })
      .expect(201);
    await request(h.app)
      .post(`/v1/forms/${created.body.id}/publish`)
      .set(bearer(admin))
      .expect(200);
    for (const customFields of [
      [notes, budget],
      [{ ...notes, pii: false }, budget],
      [{ ...notes, label: 'Remarks' }, budget],
    ]) {
      expect((await patchTenant({ customFields })).status).toBe(200);
      expect(await hasUnpublishedChanges(created.body.id)).toBe(false);
    }
  });

  it('when a form was published before the digest was kept, then its live config tells whether the tenant changed', async () => {
    const created = await createContactForm();
    const id = created.body.id;
    await request(h.app).post(`/v1/forms/${id}/publish`).set(bearer(admin)).expect(200);
    await asLeftBefore(tenantKeys.form(slug, id), 'REMOVE publishedTenantDigest');
    expect(await hasUnpublishedChanges(id)).toBe(false);
    await patchTenant({ branding: { primaryColor: '#000000' } });
    expect(await hasUnpublishedChanges(id)).toBe(true);
  });

  it('when the tenant already has a custom field keyed like a submission key, or a logo set before uploads were checked, then other changes still go through', async () => {
    const legacy = { key: 'utm_source', label: 'Source', type: 'text', required: false };
    // In the tenant's branding folder, as the old check took, but not named as uploads are.
    const upload = await request(h.app)
      .post('/v1/tenant/branding/logo')
      .set(bearer(admin))
      .send({ contentType: 'image/png', contentLength: 10 })
      .expect(201);
    const logoUrl = upload.body.logoUrl.replace(/logo-[^/]+$/, 'logo.png');
    await asLeftBefore(
      tenantKeys.tenant(slug),
      'SET customFields = :cf, branding.logoUrl = :logo',
      {
        ':cf': [{ ...budget, required: false }, legacy],
        ':logo': logoUrl,
      },
    );
    const added = await patchTenant({
      customFields: [budget, legacy, notes],
      branding: { primaryColor: '#000000', logoUrl },
    });
    expect(added.status).toBe(200);
    // A new one is still refused.
    const another = await patchTenant({
      customFields: [budget, legacy, notes, { key: 'utm_medium', label: 'Medium', type: 'text' }],
    });
    expect(another.status).toBe(400);
  });

  it('when only the published version of a form still has it, then 409 until the form is published without it', async () => {
    const created = await createContactForm();
    const id = created.body.id;
    await request(h.app).post(`/v1/forms/${id}/publish`).set(bearer(admin)).expect(200);
    const draft = await request(h.app).get(`/v1/forms/${id}`).set(bearer(admin));
    await request(h.app)
      .patch(`/v1/forms/${id}`)
      .set(bearer(admin))
      .set('If-Match', etagOf(draft))
      .send({ fields: [{ key: 'email' }] })
      .expect(200);

    const refused = await removeNotes();
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('the published version of the form');

    await request(h.app).post(`/v1/forms/${id}/publish`).set(bearer(admin)).expect(200);
    expect((await removeNotes()).status).toBe(200);
  });

  it('when a CRM connection maps it, then 409 until the mapping leaves it out', async () => {
    const created = await request(h.app)
      .post('/v1/crm-connections')
      .set(bearer(admin))
      .send({
        type: 'hubspot',
        name: 'HubSpot',
        credentials: { accessToken: 'pat-eu1-00000000-0000-0000-0000-000000000000' },
        fieldMapping: { email: 'email', 'custom.notes': 'notes' },
      })
      .expect(201);

    const refused = await removeNotes();
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`the CRM connection ${created.body.id}`);

    const connection = await request(h.app)
      .get(`/v1/crm-connections/${created.body.id}`)
      .set(bearer(admin));
    await request(h.app)
      .patch(`/v1/crm-connections/${created.body.id}`)
      .set(bearer(admin))
      .set('If-Match', etagOf(connection))
      .send({ fieldMapping: { email: 'email' } })
      .expect(200);
    expect((await removeNotes()).status).toBe(200);
  });
});
