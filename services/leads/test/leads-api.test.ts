import { PutCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { leadKeys } from '@leadflow/contracts';
import { documentClient } from '@leadflow/core';
import {
  bearer,
  etagOf,
  startLeadsHarness,
  type LeadsHarness,
  type Member,
  type TestTenant,
} from './harness';

describe('the leads API', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;
  let admin: string;

  beforeAll(async () => {
    h = await startLeadsHarness();
    tenant = await h.createTenant('sales');
    admin = tenant.admin.token;
    await tenant.configure({
      customFields: [
        { key: 'budget', label: 'Budget', type: 'number', min: 0 },
        { key: 'tier', label: 'Tier', type: 'select', options: ['basic', 'pro'], required: true },
      ],
      pipeline: { statuses: ['new', 'contacted', 'won'] },
    });
  });
  afterAll(() => h.close());

  const api = () => request(h.leads.app);
  async function createLead(token: string, body: object = {}) {
    const res = await api()
      .post('/v1/leads')
      .set(bearer(token))
      .send({
        fields: {
          email: `l-${Math.random().toString(36).slice(2)}@example.com`,
          firstName: 'Jane',
          lastName: 'Doe',
          phone: '030 1234567',
        },
        custom: { tier: 'pro' },
        ...body,
      });
    expect(res.status).toBe(201);
    return res;
  }

  describe('manual entry', () => {
    it('when a lead is entered, then it is normalised, first status, source manual, with an ETag', async () => {
      const res = await createLead(admin, {
        fields: { email: 'Jane.Doe@Example.COM', firstName: ' Jane ', phone: '030 1234567' },
        custom: { tier: 'basic', budget: 10 },
      });
      expect(res.body).toMatchObject({
        status: 'new',
        source: 'manual',
        version: 1,
        fields: { email: 'jane.doe@example.com', firstName: 'Jane', phone: '+49301234567' },
        custom: { tier: 'basic', budget: 10 },
        sync: [],
      });
      expect(etagOf(res)).toBe('"1"');
    });

    it('when the e-mail belongs to another lead, then 409 naming it', async () => {
      const taken = await createLead(admin, { fields: { email: 'taken@example.com' } });
      const res = await api()
        .post('/v1/leads')
        .set(bearer(admin))
        .send({ fields: { email: 'TAKEN@example.com' }, custom: { tier: 'pro' } });
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe(`Another lead (${String(taken.body.id)}) has this e-mail`);
      expect(res.body.leadId).toBe(taken.body.id);
    });

    it('when a manager enters the e-mail of a deleted lead, then 409 without its id: only admins see deleted leads', async () => {
      const deleted = await createLead(admin, { fields: { email: 'deleted.owner@example.com' } });
      await api().delete(`/v1/leads/${deleted.body.id}`).set(bearer(admin)).expect(204);
      const manager = await tenant.member('manager');
      const res = await api()
        .post('/v1/leads')
        .set(bearer(manager.token))
        .send({ fields: { email: 'deleted.owner@example.com' }, custom: { tier: 'pro' } });
      expect(res.status).toBe(409);
      expect(res.body.leadId).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain(String(deleted.body.id));
    });

    it('when an agent enters an e-mail of a lead they may not see, then 409 without its id', async () => {
      const owner = await tenant.member('agent');
      const other = await tenant.member('agent');
      const hidden = await createLead(owner.token, { fields: { email: 'hidden@example.com' } });
      const res = await api()
        .post('/v1/leads')
        .set(bearer(other.token))
        .send({ fields: { email: 'hidden@example.com' }, custom: { tier: 'pro' } });
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('Another lead has this e-mail');
      expect(JSON.stringify(res.body)).not.toContain(String(hidden.body.id));
    });

    it.each([
      [
        'an unknown custom field',
        { fields: {}, custom: { tier: 'pro', shoe: 42 } },
        'body.custom.shoe',
      ],
      [
        'a custom value of the wrong type',
        { fields: {}, custom: { tier: 'pro', budget: 'lots' } },
        'body.custom.budget',
      ],
      [
        'a select value not among the options',
        { fields: {}, custom: { tier: 'gold' } },
        'body.custom.tier',
      ],
      ['a missing required custom field', { fields: {}, custom: {} }, 'body.custom.tier'],
      [
        'a status outside the pipeline',
        { fields: {}, custom: { tier: 'pro' }, status: 'lost' },
        'body.status',
      ],
      [
        'an invalid phone',
        { fields: { phone: '12' }, custom: { tier: 'pro' } },
        'body.fields.phone',
      ],
      [
        'an unknown standard field',
        { fields: { shoeSize: '42' }, custom: { tier: 'pro' } },
        'body.fields.shoeSize',
      ],
      [
        'an owner who is not a member',
        { fields: {}, custom: { tier: 'pro' }, ownerId: 'nobody' },
        'body.ownerId',
      ],
      [
        'a __proto__ key',
        JSON.parse('{"fields":{},"custom":{"tier":"pro"},"__proto__":{"admin":true}}'),
        'body.__proto__',
      ],
    ])('when the lead has %s, then 400 naming it', async (_case, body, field) => {
      const res = await api().post('/v1/leads').set(bearer(admin)).send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('when the JSON is malformed, then 400; wrong content type 415', async () => {
      expect(
        (
          await api()
            .post('/v1/leads')
            .set(bearer(admin))
            .set('content-type', 'application/json')
            .send('{"fields":')
        ).status,
      ).toBe(400);
      expect(
        (
          await api()
            .post('/v1/leads')
            .set(bearer(admin))
            .set('content-type', 'text/csv')
            .send('a,b')
        ).status,
      ).toBe(415);
    });
  });

  describe('the ETag of a lead and its CRM sync state', () => {
    /** What crm-sync records on the lead: written beside the lead, which keeps its version. */
    const recordSync = (leadId: string, state: 'pending' | 'synced') =>
      documentClient(h.aws.dynamodb).send(
        new PutCommand({
          TableName: h.stack.env.LEADS_TABLE!,
          Item: {
            ...leadKeys.syncStatus('sales', leadId, 'CONN1'),
            connectionId: 'CONN1',
            crmType: 'hubspot',
            state,
            leadVersion: 1,
            lastAttemptAt: new Date().toISOString(),
          },
        }),
      );

    it('when the sync state changes, then a GET with the old ETag answers 200 with it, not 304, and an update takes either ETag', async () => {
      const created = await createLead(admin);
      const leadId = String(created.body.id);
      const get = (etag: string) =>
        api().get(`/v1/leads/${leadId}`).set(bearer(admin)).set('If-None-Match', etag);
      expect((await get(etagOf(created))).status).toBe(304);

      await recordSync(leadId, 'pending');
      const pending = await get(etagOf(created));
      expect(pending.status).toBe(200);
      expect(pending.body).toMatchObject({ version: 1, sync: [{ state: 'pending' }] });
      expect(etagOf(pending)).toMatch(/^"1\.[0-9a-f]{16}"$/);
      expect((await get(etagOf(pending))).status).toBe(304);

      await recordSync(leadId, 'synced');
      const synced = await get(etagOf(pending));
      expect(synced.status).toBe(200);
      expect(synced.body.sync).toEqual([expect.objectContaining({ state: 'synced' })]);

      const update = (etag: string) =>
        api()
          .patch(`/v1/leads/${leadId}`)
          .set(bearer(admin))
          .set('If-Match', etag)
          .send({ fields: { lastName: 'Synced' } });
      const updated = await update(etagOf(pending));
      expect(updated.status).toBe(200);
      expect(updated.body.version).toBe(2);
      expect((await update(etagOf(synced))).status).toBe(412);
    });
  });

  describe('updates', () => {
    it('when a patch changes nothing, then 200 with the lead as it was: no new version, no timeline entry; a stale ETag is still 412', async () => {
      const created = await createLead(admin);
      const id = created.body.id;
      const patch = (etag: string) =>
        api()
          .patch(`/v1/leads/${id}`)
          .set(bearer(admin))
          .set('If-Match', etag)
          .send({ fields: { firstName: ' Jane ' }, custom: {} });
      const res = await patch(etagOf(created));
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(created.body.version);
      expect(res.headers.etag).toBe(created.headers.etag);
      const timeline = (await api().get(`/v1/leads/${id}/activities`).set(bearer(admin))).body;
      expect(timeline.items.map((a: { type: string }) => a.type)).toEqual(['created']);
      await api()
        .patch(`/v1/leads/${id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({ status: 'contacted' })
        .expect(200);
      expect((await patch(etagOf(created))).status).toBe(412);
    });

    it('when patched with the current ETag, then fields change and the timeline says who changed what from what to what', async () => {
      const created = await createLead(admin);
      const res = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({
          status: 'contacted',
          fields: { company: 'Acme', firstName: null },
          custom: { budget: 99 },
        });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'contacted',
        version: 2,
        fields: { company: 'Acme', lastName: 'Doe' },
        custom: { budget: 99, tier: 'pro' },
      });
      expect(res.body.fields.firstName).toBeUndefined();
      const timeline = (
        await api().get(`/v1/leads/${created.body.id}/activities`).set(bearer(admin))
      ).body.items;
      expect(timeline[0]).toMatchObject({
        type: 'updated',
        actor: { kind: 'user', id: tenant.admin.id },
      });
      expect(timeline[0].changes).toEqual(
        expect.arrayContaining([
          { field: 'status', from: 'new', to: 'contacted' },
          { field: 'company', from: null, to: 'Acme' },
          { field: 'firstName', from: 'Jane', to: null },
          { field: 'custom.budget', from: null, to: 99 },
        ]),
      );
    });

    it('when If-Match is missing, then 428; when it is stale, then 412', async () => {
      const created = await createLead(admin);
      expect(
        (
          await api()
            .patch(`/v1/leads/${created.body.id}`)
            .set(bearer(admin))
            .send({ status: 'won' })
        ).status,
      ).toBe(428);
      expect(
        (
          await api()
            .patch(`/v1/leads/${created.body.id}`)
            .set(bearer(admin))
            .set('If-Match', '"7"')
            .send({ status: 'won' })
        ).status,
      ).toBe(412);
    });

    it('when two PATCHes carry the same ETag, then one succeeds, the other gets 412, and nothing is lost', async () => {
      const created = await createLead(admin);
      // One after the other: moto runs concurrent transactions on one item without isolation (a
      // failing one restores the table as it was before both), which DynamoDB does not do.
      const a = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({ fields: { company: 'A Corp' } });
      const b = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({ fields: { jobTitle: 'CTO' } });
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const winner = a.status === 200 ? a : b;
      const loser = a.status === 200 ? b : a;
      const current = await api().get(`/v1/leads/${created.body.id}`).set(bearer(admin));
      expect(current.body.version).toBe(2);
      expect(current.body.fields).toMatchObject(
        winner === a ? { company: 'A Corp' } : { jobTitle: 'CTO' },
      );
      const retried = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(current))
        .send(loser === a ? { fields: { company: 'A Corp' } } : { fields: { jobTitle: 'CTO' } });
      expect(retried.status).toBe(200);
      expect(retried.body.fields).toMatchObject({ company: 'A Corp', jobTitle: 'CTO' });
    });

    it('when the tenant removed a custom field a lead still has, then an unrelated patch still succeeds and the old value can be cleared', async () => {
      const changing = await h.createTenant('changing');
      await changing.configure({
        customFields: [{ key: 'legacy', label: 'Legacy', type: 'text' }],
      });
      const created = await api()
        .post('/v1/leads')
        .set(bearer(changing.admin.token))
        .send({ fields: { firstName: 'Old' }, custom: { legacy: 'kept' } })
        .expect(201);
      await changing.configure({ customFields: [] });
      const patched = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(changing.admin.token))
        .set('If-Match', etagOf(created))
        .send({ fields: { lastName: 'Doe' } })
        .expect(200);
      expect(patched.body.custom).toEqual({ legacy: 'kept' });
      const unknown = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(changing.admin.token))
        .set('If-Match', etagOf(patched))
        .send({ custom: { legacy: 'new value' } });
      expect(unknown.status).toBe(400);
      const cleared = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(changing.admin.token))
        .set('If-Match', etagOf(patched))
        .send({ custom: { legacy: null } })
        .expect(200);
      expect(cleared.body.custom).toEqual({});
    });

    it('when a required custom field is cleared, then 400', async () => {
      const created = await createLead(admin);
      const res = await api()
        .patch(`/v1/leads/${created.body.id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({ custom: { tier: null } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'body.custom.tier', message: 'is required' }]);
    });
  });

  describe('agents and viewers', () => {
    let agent: Member;
    let otherAgent: Member;
    let viewer: Member;
    let manager: Member;

    beforeAll(async () => {
      [agent, otherAgent, viewer, manager] = await Promise.all([
        tenant.member('agent'),
        tenant.member('agent'),
        tenant.member('viewer'),
        tenant.member('manager'),
      ]);
    });

    it('when an agent lists or reads, then it sees its own and unassigned leads only; others answer 404', async () => {
      const mine = await createLead(admin, { ownerId: agent.id });
      const theirs = await createLead(admin, { ownerId: otherAgent.id });
      const free = await createLead(admin);
      expect((await api().get(`/v1/leads/${mine.body.id}`).set(bearer(agent.token))).status).toBe(
        200,
      );
      expect((await api().get(`/v1/leads/${free.body.id}`).set(bearer(agent.token))).status).toBe(
        200,
      );
      expect((await api().get(`/v1/leads/${theirs.body.id}`).set(bearer(agent.token))).status).toBe(
        404,
      );
      const ids = (await api().get('/v1/leads?limit=100').set(bearer(agent.token))).body.items.map(
        (l: { id: string }) => l.id,
      );
      expect(ids).toEqual(expect.arrayContaining([mine.body.id, free.body.id]));
      expect(ids).not.toContain(theirs.body.id);
      expect(
        (
          await api()
            .patch(`/v1/leads/${theirs.body.id}`)
            .set(bearer(agent.token))
            .set('If-Match', '"1"')
            .send({ status: 'won' })
        ).status,
      ).toBe(404);
      expect(
        (
          await api()
            .post(`/v1/leads/${theirs.body.id}/notes`)
            .set(bearer(agent.token))
            .send({ body: 'x' })
        ).status,
      ).toBe(404);
      expect(
        (
          await api()
            .patch(`/v1/leads/${mine.body.id}`)
            .set(bearer(agent.token))
            .set('If-Match', '"1"')
            .send({ status: 'won' })
        ).status,
      ).toBe(200);
    });

    it('when a viewer tries to change anything, then 403', async () => {
      const lead = await createLead(admin);
      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(viewer.token))).status).toBe(
        200,
      );
      expect(
        (
          await api()
            .patch(`/v1/leads/${lead.body.id}`)
            .set(bearer(viewer.token))
            .set('If-Match', '"1"')
            .send({ status: 'won' })
        ).status,
      ).toBe(403);
      expect(
        (
          await api()
            .post(`/v1/leads/${lead.body.id}/notes`)
            .set(bearer(viewer.token))
            .send({ body: 'x' })
        ).status,
      ).toBe(403);
    });

    it('when a manager assigns, then the owner changes on the lead and the timeline', async () => {
      const lead = await createLead(admin);
      const res = await api()
        .post(`/v1/leads/${lead.body.id}/assign`)
        .set(bearer(manager.token))
        .send({ ownerId: agent.id });
      expect(res.status).toBe(200);
      expect(res.body.ownerId).toBe(agent.id);
      const timeline = (await api().get(`/v1/leads/${lead.body.id}/activities`).set(bearer(admin)))
        .body.items;
      expect(timeline[0]).toMatchObject({
        type: 'assigned',
        changes: [{ field: 'ownerId', from: null, to: agent.id }],
      });
      const unassigned = await api()
        .post(`/v1/leads/${lead.body.id}/assign`)
        .set(bearer(manager.token))
        .send({ ownerId: null });
      expect(unassigned.body.ownerId).toBeUndefined();
      expect(
        (
          await api()
            .post(`/v1/leads/${lead.body.id}/assign`)
            .set(bearer(agent.token))
            .send({ ownerId: agent.id })
        ).status,
      ).toBe(403);
    });
  });

  describe('races and limits of assignment', () => {
    let agent: Member;
    let manager: Member;

    beforeAll(async () => {
      [agent, manager] = await Promise.all([tenant.member('agent'), tenant.member('manager')]);
    });

    it('when an agent enters a lead for another member, then 403; for itself, then it owns the lead', async () => {
      const forOther = await api()
        .post('/v1/leads')
        .set(bearer(agent.token))
        .send({
          fields: { email: 'agent-other@example.com' },
          custom: { tier: 'pro' },
          ownerId: manager.id,
        });
      expect(forOther.status).toBe(403);
      const own = await createLead(agent.token, { ownerId: agent.id });
      expect(own.body.ownerId).toBe(agent.id);
    });

    it('when the owner named is a member’s id followed by a slash and more, then 400 and the lead keeps its owner', async () => {
      const lead = await createLead(admin);
      const res = await api()
        .post(`/v1/leads/${lead.body.id}/assign`)
        .set(bearer(manager.token))
        .send({ ownerId: `${agent.id}/x` });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('body.ownerId');
      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(admin))).body.ownerId).toBe(
        undefined,
      );
    });

    it('when an erased lead is assigned, then 409', async () => {
      const lead = await createLead(admin);
      await api().post(`/v1/leads/${lead.body.id}/erasure`).set(bearer(admin)).expect(200);
      // Only admins still see an erased lead; to anyone else it answers 404.
      const res = await api()
        .post(`/v1/leads/${lead.body.id}/assign`)
        .set(bearer(admin))
        .send({ ownerId: agent.id });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('when assignments and a resync race on one lead, then each is made on the latest version and none fails', async () => {
      const lead = await createLead(admin);
      const owners = [agent.id, manager.id, null, agent.id, manager.id];
      const answers = await Promise.all([
        ...owners.map((ownerId) =>
          api()
            .post(`/v1/leads/${lead.body.id}/assign`)
            .set(bearer(manager.token))
            .send({ ownerId }),
        ),
        api().post(`/v1/leads/${lead.body.id}/resync`).set(bearer(admin)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 202]);
      const timeline = (await api().get(`/v1/leads/${lead.body.id}/activities`).set(bearer(admin)))
        .body.items as Array<{ type: string }>;
      const types = timeline.map((a) => a.type);
      expect(types.filter((t) => t === 'resync-requested')).toHaveLength(1);
      expect(types).toContain('assigned');
    });
  });

  describe('notes', () => {
    it('when a note is added, then it is listed newest first and on the timeline', async () => {
      const lead = await createLead(admin);
      await api()
        .post(`/v1/leads/${lead.body.id}/notes`)
        .set(bearer(admin))
        .send({ body: 'first' })
        .expect(201);
      const second = await api()
        .post(`/v1/leads/${lead.body.id}/notes`)
        .set(bearer(admin))
        .send({ body: 'second' });
      expect(second.body).toMatchObject({ body: 'second', authorId: tenant.admin.id });
      const notes = await api().get(`/v1/leads/${lead.body.id}/notes`).set(bearer(admin));
      expect(notes.body.items.map((n: { body: string }) => n.body)).toEqual(['second', 'first']);
      const timeline = (await api().get(`/v1/leads/${lead.body.id}/activities`).set(bearer(admin)))
        .body.items;
      expect(timeline.filter((a: { type: string }) => a.type === 'note-added')).toHaveLength(2);
    });

    it('when a note is empty or too long, then 400', async () => {
      const lead = await createLead(admin);
      expect(
        (await api().post(`/v1/leads/${lead.body.id}/notes`).set(bearer(admin)).send({ body: '' }))
          .status,
      ).toBe(400);
      expect(
        (
          await api()
            .post(`/v1/leads/${lead.body.id}/notes`)
            .set(bearer(admin))
            .send({ body: 'x'.repeat(5001) })
        ).status,
      ).toBe(400);
    });
  });

  describe('delete, restore, erasure', () => {
    it('when an admin deletes a lead, then others no longer see it, and restoring brings it back', async () => {
      const lead = await createLead(admin);
      const manager = await tenant.member('manager');
      expect((await api().delete(`/v1/leads/${lead.body.id}`).set(bearer(admin))).status).toBe(204);
      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(manager.token))).status).toBe(
        404,
      );
      expect(
        (await api().get(`/v1/leads/${lead.body.id}`).set(bearer(admin))).body.deletedAt,
      ).toEqual(expect.any(String));
      const listed = (await api().get('/v1/leads?limit=100').set(bearer(admin))).body.items.map(
        (l: { id: string }) => l.id,
      );
      expect(listed).not.toContain(lead.body.id);
      const restored = await api().post(`/v1/leads/${lead.body.id}/restore`).set(bearer(admin));
      expect(restored.status).toBe(200);
      expect(restored.body.deletedAt).toBeUndefined();
      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(manager.token))).status).toBe(
        200,
      );
      expect(
        (await api().delete(`/v1/leads/${lead.body.id}`).set(bearer(manager.token))).status,
      ).toBe(403);
    });

    it('when a deleted lead is patched, assigned or resynced, then 409 and nothing changes (the CRMs would get it); restored, it can be', async () => {
      const lead = await createLead(admin);
      const id = lead.body.id;
      await api().delete(`/v1/leads/${id}`).set(bearer(admin)).expect(204);
      const deleted = await api().get(`/v1/leads/${id}`).set(bearer(admin));
      const patch = (etag: string) =>
        api()
          .patch(`/v1/leads/${id}`)
          .set(bearer(admin))
          .set('If-Match', etag)
          .send({ fields: { company: 'Changed AG' } });
      const patched = await patch(etagOf(deleted));
      expect(patched.status).toBe(409);
      expect(patched.body.detail).toBe('A deleted lead cannot be changed; restore it first');
      const assigned = await api()
        .post(`/v1/leads/${id}/assign`)
        .set(bearer(admin))
        .send({ ownerId: tenant.admin.id });
      expect(assigned.status).toBe(409);
      expect((await api().post(`/v1/leads/${id}/resync`).set(bearer(admin))).status).toBe(409);
      const after = await api().get(`/v1/leads/${id}`).set(bearer(admin));
      expect(after.body.version).toBe(deleted.body.version);
      const restored = await api().post(`/v1/leads/${id}/restore`).set(bearer(admin)).expect(200);
      expect((await patch(etagOf(restored))).status).toBe(200);
    });

    it('when a lead is erased, then personal data is gone from the lead, its notes, raw submissions and timeline; a tombstone stays', async () => {
      const created = await createLead(admin, {
        fields: { email: 'erase.me@example.com', firstName: 'Erika' },
      });
      const id = created.body.id;
      await api()
        .post(`/v1/leads/${id}/notes`)
        .set(bearer(admin))
        .send({ body: 'Erika said call back' })
        .expect(201);
      await api()
        .patch(`/v1/leads/${id}`)
        .set(bearer(admin))
        .set('If-Match', etagOf(created))
        .send({ fields: { lastName: 'Mustermann' } })
        .expect(200);
      const erased = await api().post(`/v1/leads/${id}/erasure`).set(bearer(admin));
      expect(erased.status).toBe(200);
      expect(erased.body).toMatchObject({
        id,
        fields: {},
        custom: {},
        consents: [],
        erasedAt: expect.any(String),
      });
      const everything = JSON.stringify([
        (await api().get(`/v1/leads/${id}`).set(bearer(admin))).body,
        (await api().get(`/v1/leads/${id}/notes`).set(bearer(admin))).body,
        (await api().get(`/v1/leads/${id}/activities`).set(bearer(admin))).body,
        (await api().get('/v1/leads?email=erase.me@example.com').set(bearer(admin))).body,
      ]);
      for (const personal of ['erase.me@example.com', 'Erika', 'Mustermann', '+49301234567'])
        expect(everything).not.toContain(personal);
      expect((await api().post(`/v1/leads/${id}/erasure`).set(bearer(admin))).status).toBe(200);
      expect(
        (
          await api()
            .patch(`/v1/leads/${id}`)
            .set(bearer(admin))
            .set('If-Match', etagOf(erased))
            .send({ status: 'won' })
        ).status,
      ).toBe(409);
      // The e-mail is free for a new lead.
      await createLead(admin, { fields: { email: 'erase.me@example.com' } });
    });
  });

  describe('erased leads in lists', () => {
    it('when a lead is erased, then lists show it only to those GET shows it to (admins), and exports to nobody', async () => {
      const lead = await createLead(admin);
      await api().post(`/v1/leads/${lead.body.id}/erasure`).set(bearer(admin)).expect(200);
      const [manager, agent] = await Promise.all([
        tenant.member('manager'),
        tenant.member('agent'),
      ]);
      const listedTo = async (token: string) =>
        (await api().get('/v1/leads?limit=100').set(bearer(token))).body.items.map(
          (l: { id: string }) => l.id,
        );

      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(manager.token))).status).toBe(
        404,
      );
      expect(await listedTo(manager.token)).not.toContain(lead.body.id);
      expect(await listedTo(agent.token)).not.toContain(lead.body.id);
      expect(
        (await api().get('/v1/leads/export.csv').set(bearer(manager.token))).text,
      ).not.toContain(lead.body.id);
      expect((await api().get(`/v1/leads/${lead.body.id}`).set(bearer(admin))).status).toBe(200);
      expect(await listedTo(admin)).toContain(lead.body.id);
      expect((await api().get('/v1/leads/export.csv').set(bearer(admin))).text).not.toContain(
        lead.body.id,
      );
    });

    it('when an export asks for deleted leads, then 400: it has no column to tell them, and never shows them', async () => {
      const lead = await createLead(admin);
      await api().delete(`/v1/leads/${lead.body.id}`).set(bearer(admin)).expect(204);
      const asked = await api().get('/v1/leads/export.csv?includeDeleted=true').set(bearer(admin));
      expect(asked.status).toBe(400);
      const asList = await api()
        .get('/v1/leads/export.csv?includeDeleted=false')
        .set(bearer(admin));
      expect(asList.status).toBe(200);
      expect(asList.text).not.toContain(lead.body.id);
      expect(asked.body.errors).toEqual([
        expect.objectContaining({ field: expect.stringContaining('includeDeleted') }),
      ]);
      expect((await api().get('/v1/leads/export.csv').set(bearer(admin))).text).not.toContain(
        lead.body.id,
      );
    });
  });

  describe('listing', () => {
    let listing: TestTenant;
    const ids: string[] = [];

    beforeAll(async () => {
      listing = await h.createTenant('listing');
      for (const [i, status] of ['new', 'contacted', 'new', 'new', 'contacted'].entries()) {
        const res = await api()
          .post('/v1/leads')
          .set(bearer(listing.admin.token))
          .send({
            fields: {
              email: `p${i}@example.com`,
              firstName: i % 2 ? 'Max' : 'Maria',
              lastName: `Person${i}`,
              company: i === 4 ? 'Zeta AG' : 'Alpha GmbH',
            },
            status,
          });
        ids.push(res.body.id);
      }
    });

    const list = async (query: string) =>
      (await api().get(`/v1/leads?${query}`).set(bearer(listing.admin.token))).body;

    it('when leads are listed, then newest first, page by page, until nextCursor is null', async () => {
      const first = await list('limit=2');
      expect(first.items.map((l: { id: string }) => l.id)).toEqual([ids[4], ids[3]]);
      const second = await list(`limit=2&cursor=${first.nextCursor}`);
      expect(second.items.map((l: { id: string }) => l.id)).toEqual([ids[2], ids[1]]);
      const third = await list(`limit=2&cursor=${second.nextCursor}`);
      expect(third.items.map((l: { id: string }) => l.id)).toEqual([ids[0]]);
      expect(third.nextCursor).toBeNull();
    });

    it.each([
      ['status', 'status=contacted', [4, 1]],
      ['e-mail, case-insensitive', 'email=P3@Example.com', [3]],
      ['name prefix', 'q=mar', [4, 2, 0]],
      ['last name prefix', 'q=person1', [1]],
      ['company prefix', 'q=zeta', [4]],
      ['source', 'source=manual', [4, 3, 2, 1, 0]],
      ['status and name together', 'status=new&q=max', [3]],
      ['unassigned', 'ownerId=unassigned&limit=10', [4, 3, 2, 1, 0]],
    ])(
      'when filtered by %s, then only matching leads come back',
      async (_case, query, expected) => {
        expect((await list(query)).items.map((l: { id: string }) => l.id)).toEqual(
          expected.map((i) => ids[i]),
        );
      },
    );

    it('when filtered by a creation time range, then only leads created in it come back', async () => {
      const all = (await list('limit=10')).items as Array<{ id: string; createdAt: string }>;
      const from = all[3]!.createdAt;
      const to = all[1]!.createdAt;
      const ranged = (
        await list(`createdFrom=${encodeURIComponent(from)}&createdTo=${encodeURIComponent(to)}`)
      ).items.map((l: { id: string }) => l.id);
      expect(ranged).toEqual(expect.arrayContaining([ids[1]]));
      expect(ranged).not.toContain(ids[4]);
    });

    it.each([
      ['limit above 100', 'limit=101', 'query.limit'],
      ['an unknown filter', 'colour=red', 'query.colour'],
      ['a bad date', 'createdFrom=yesterday', 'query.createdFrom'],
      [
        'a cursor of another list',
        `cursor=${Buffer.from(JSON.stringify({ PK: 'TENANT#sales', SK: 'LEAD#x' })).toString('base64url')}`,
        'query.cursor',
      ],
    ])('when the query has %s, then 400', async (_case, query, field) => {
      const res = await api().get(`/v1/leads?${query}`).set(bearer(listing.admin.token));
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('when another tenant reads this tenant’s lead, then 404', async () => {
      expect((await api().get(`/v1/leads/${ids[0]}`).set(bearer(admin))).status).toBe(404);
      expect((await api().post(`/v1/leads/${ids[0]}/erasure`).set(bearer(admin))).status).toBe(404);
      expect((await api().get(`/v1/leads/${ids[0]}/activities`).set(bearer(admin))).status).toBe(
        404,
      );
    });
  });

  describe('export', () => {
    it('when exported, then a CSV with the standard and custom columns, formulas neutralised, filters applied', async () => {
      const exp = await h.createTenant('export');
      await exp.configure({ customFields: [{ key: 'budget', label: 'Budget', type: 'number' }] });
      await api()
        .post('/v1/leads')
        .set(bearer(exp.admin.token))
        .send({
          fields: {
            firstName: '=HYPERLINK("http://evil")',
            company: 'Comma, Inc',
            message: 'line1\nline2',
          },
          custom: { budget: 5 },
        })
        .expect(201);
      await api()
        .post('/v1/leads')
        .set(bearer(exp.admin.token))
        .send({
          fields: { firstName: '+1', lastName: '@SUM(A1)', jobTitle: '-2', email: 'x@example.com' },
        })
        .expect(201);
      const res = await api()
        .get('/v1/leads/export.csv')
        .set(bearer(exp.admin.token))
        .buffer(true)
        .parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => done(null, text));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      const lines = (res.body as string).split('\r\n');
      expect(lines[0]).toBe(
        'id,createdAt,status,ownerId,formId,source,email,firstName,lastName,phone,company,jobTitle,message,isTest,budget',
      );
      expect(res.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(res.body).toContain('"Comma, Inc"');
      expect(res.body).toContain('"line1\nline2"');
      expect(res.body).toContain("'+1,'@SUM(A1)");
      expect(res.body).toContain(",'-2,");
      const filtered = await api()
        .get('/v1/leads/export.csv?email=x@example.com')
        .set(bearer(exp.admin.token));
      expect(filtered.text.trim().split('\r\n')).toHaveLength(2);
      expect(
        (
          await api()
            .get('/v1/leads/export.csv')
            .set(bearer((await exp.member('agent')).token))
        ).status,
      ).toBe(403);
    });
  });
});
