import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import request from 'supertest';
import { ulid } from 'ulid';
import { documentClient } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import { dedupeKeyItem } from '../src/leads/lead.repository';
import { bearer, etagOf, startLeadsHarness, type LeadsHarness, type TestTenant } from './harness';

describe('intake: lead.received becomes a stored lead', () => {
  let h: LeadsHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await startLeadsHarness();
    tenant = await h.createTenant('intake');
    await tenant.configure({ customFields: [{ key: 'budget', label: 'Budget', type: 'number' }] });
    h.leads.intake.start();
    h.leads.relay.start();
  });
  afterAll(() => h.close());

  async function activities(leadId: string, token = tenant.admin.token) {
    return (await request(h.leads.app).get(`/v1/leads/${leadId}/activities`).set(bearer(token)))
      .body.items as Array<{ type: string; changes?: unknown[] }>;
  }

  it('when a submission arrives, then the lead is stored with the first status, its raw submission, a created activity and lead.created', async () => {
    const event = h.received(tenant.id, { custom: { budget: 100 } });
    await h.publishReceived(event);
    const lead = await h.waitForLead(event.leadId, tenant.admin.token);
    expect(lead).toMatchObject({
      id: event.leadId,
      status: 'new',
      source: 'form',
      fields: event.fields,
      custom: { budget: 100 },
      consents: event.context.consents,
      version: 1,
    });
    expect((await activities(event.leadId)).map((a) => a.type)).toEqual(['created']);
    const raw = await documentClient(h.aws.dynamodb).send(
      new QueryCommand({
        TableName: h.stack.resources.tables.leads,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :raw)',
        ExpressionAttributeValues: { ':pk': `TENANT#intake#LEAD#${event.leadId}`, ':raw': 'RAW#' },
      }),
    );
    expect(raw.Items?.[0]?.submission).toEqual(event);
    const events = await eventually(async () => {
      const found = (await h.receiveLeadEvents()).filter((e) => e.detail.leadId === event.leadId);
      return found.length ? found : undefined;
    });
    expect(events[0]).toMatchObject({
      'detail-type': 'lead.created',
      source: 'leadflow.leads',
      detail: { leadId: event.leadId, version: 1, lead: { id: event.leadId } },
    });
  });

  it('when the same e-mail arrives again, then there is one lead with two activities, empty fields filled and nothing overwritten, and the second submission’s id redirects to that lead', async () => {
    const first = h.received(tenant.id, {
      fields: { email: 'same@example.com', firstName: 'Jane' },
    });
    await h.publishReceived(first);
    await h.waitForLead(first.leadId, tenant.admin.token);
    const second = h.received(tenant.id, {
      fields: { email: 'Same+promo@example.com', firstName: 'Janet', company: 'Acme' },
    });
    second.context.utm = { source: 'newsletter', campaign: 'spring' };
    second.context.pageUrl = 'https://www.example.com/pricing';
    const newsletter = {
      key: 'newsletter',
      text: 'Send me news.',
      given: true,
      at: new Date().toISOString(),
    };
    second.context.consents.push(newsletter);
    await h.publishReceived(second);
    const merged = await eventually(async () => {
      const lead = await h.waitForLead(first.leadId, tenant.admin.token);
      return lead.version === 2 ? lead : undefined;
    });
    expect(merged.fields).toEqual({
      email: 'same@example.com',
      firstName: 'Jane',
      company: 'Acme',
    });
    // The privacy answer repeats what is recorded; only the new consent is added.
    expect(merged.consents).toEqual([first.context.consents[0], newsletter]);
    // The id ingestion answered the second submission with names no lead: it leads to the first.
    const bySecondId = await request(h.leads.app)
      .get(`/v1/leads/${second.leadId}`)
      .set(bearer(tenant.admin.token));
    expect(bySecondId.status).toBe(308);
    expect(bySecondId.headers.location).toBe(`/v1/leads/${first.leadId}`);
    const timeline = await activities(first.leadId);
    expect(timeline.map((a) => a.type)).toEqual(['merged', 'created']);
    expect(timeline[0]!.changes).toEqual(
      expect.arrayContaining([{ field: 'company', from: null, to: 'Acme' }]),
    );
    // The lead kept Jane; what the person sent this time is on the timeline, for sales to see.
    expect(timeline[0]).toMatchObject({
      submission: {
        source: second.source,
        eventId: second.eventId,
        fields: { email: 'Same+promo@example.com', firstName: 'Janet', company: 'Acme' },
        context: {
          utm: { source: 'newsletter', campaign: 'spring' },
          pageUrl: 'https://www.example.com/pricing',
        },
      },
    });

    const list = await request(h.leads.app)
      .get('/v1/leads?email=same@example.com')
      .set(bearer(tenant.admin.token));
    expect(list.body.items).toHaveLength(1);

    // Erasure leaves only where the submission came from.
    await request(h.leads.app)
      .post(`/v1/leads/${first.leadId}/erasure`)
      .set(bearer(tenant.admin.token))
      .expect(200);
    const [mergedAfterErasure] = await activities(first.leadId).then((all) =>
      all.filter((a) => a.type === 'merged'),
    );
    expect(mergedAfterErasure).toMatchObject({
      submission: { source: second.source, eventId: second.eventId },
    });
    expect(JSON.stringify(mergedAfterErasure)).not.toMatch(/Janet|Acme|newsletter|pricing/);
  });

  it('when a submission was merged into a lead the caller may not see, then its id answers 404 to that caller and 308 to those who may', async () => {
    const [outsider, owner] = await Promise.all([tenant.member('agent'), tenant.member('agent')]);
    await request(h.leads.app)
      .post('/v1/leads')
      .set(bearer(tenant.admin.token))
      .send({ fields: { email: 'hidden@example.com' }, ownerId: owner.id })
      .expect(201);
    const duplicate = h.received(tenant.id, { fields: { email: 'hidden@example.com' } });
    await h.publishReceived(duplicate);
    const getAs = (token: string) =>
      request(h.leads.app).get(`/v1/leads/${duplicate.leadId}`).set(bearer(token));

    await eventually(async () => ((await getAs(owner.token)).status === 308 ? true : undefined));
    expect((await getAs(outsider.token)).status).toBe(404);
  });

  it('when the e-mail of a deleted lead arrives again, then that lead is restored with the submission merged in, and lead.updated says so', async () => {
    const first = h.received(tenant.id, { fields: { email: 'back@example.com' } });
    await h.publishReceived(first);
    await h.waitForLead(first.leadId, tenant.admin.token);
    await request(h.leads.app)
      .delete(`/v1/leads/${first.leadId}`)
      .set(bearer(tenant.admin.token))
      .expect(204);

    const again = h.received(tenant.id, {
      fields: { email: 'back@example.com', company: 'Returning Ltd' },
    });
    await h.publishReceived(again);
    const restored = await eventually(async () => {
      const lead = await h.waitForLead(first.leadId, tenant.admin.token);
      return lead.version === 3 ? lead : undefined;
    });
    expect(restored.deletedAt).toBeUndefined();
    expect(restored.fields).toMatchObject({ company: 'Returning Ltd' });
    const listed = await request(h.leads.app)
      .get('/v1/leads?email=back@example.com')
      .set(bearer(tenant.admin.token));
    expect(listed.body.items.map((l: { id: string }) => l.id)).toContain(first.leadId);
    const updated = await eventually(async () =>
      (await h.receiveLeadEvents()).find(
        (e) => e.detail.leadId === first.leadId && e.detail.version === 3,
      ),
    );
    expect(updated).toMatchObject({
      'detail-type': 'lead.updated',
      detail: { changedFields: expect.arrayContaining(['company', 'deletedAt']) },
    });
  });

  it('when a lead is taken in late (a redrive), then it was created when ingestion received it, and the time filters find it there', async () => {
    const receivedAt = Date.now() - 3_600_000;
    const event = h.received(tenant.id, { leadId: ulid(receivedAt) });
    await h.publishReceived(event);
    const lead = await h.waitForLead(event.leadId, tenant.admin.token);
    expect(lead.createdAt).toBe(new Date(receivedAt).toISOString());
    const idsCreated = async (range: string) =>
      (
        (await request(h.leads.app).get(`/v1/leads?${range}`).set(bearer(tenant.admin.token))).body
          .items as Array<{ id: string }>
      ).map((l) => l.id);
    const anHourAgo = encodeURIComponent(new Date(receivedAt - 1).toISOString());
    expect(await idsCreated(`createdFrom=${anHourAgo}`)).toContain(event.leadId);
    const aMinuteAgo = encodeURIComponent(new Date(Date.now() - 60_000).toISOString());
    expect(await idsCreated(`createdFrom=${aMinuteAgo}`)).not.toContain(event.leadId);
  });

  it('when an intake message is delivered twice, then the second changes nothing', async () => {
    const event = h.received(tenant.id);
    const body = JSON.stringify({
      version: '0',
      id: 'x',
      'detail-type': 'lead.received',
      source: 'leadflow.ingestion',
      time: new Date().toISOString(),
      detail: event,
    });
    await h.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: h.stack.env.LEAD_INTAKE_QUEUE_URL, MessageBody: body }),
    );
    await h.waitForLead(event.leadId, tenant.admin.token);
    await h.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: h.stack.env.LEAD_INTAKE_QUEUE_URL, MessageBody: body }),
    );
    await eventually(async () =>
      (
        await h.aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: h.stack.env.LEAD_INTAKE_QUEUE_URL,
            VisibilityTimeout: 0,
          }),
        )
      ).Messages
        ? undefined
        : true,
    );
    await new Promise((r) => setTimeout(r, 500));
    const lead = await h.waitForLead(event.leadId, tenant.admin.token);
    expect(lead.version).toBe(1);
    expect(await activities(event.leadId)).toHaveLength(1);
  });

  it('when a message is not a valid lead.received, then it is retried and ends in the DLQ', async () => {
    await h.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.stack.env.LEAD_INTAKE_QUEUE_URL,
        MessageBody: JSON.stringify({
          'detail-type': 'lead.received',
          detail: { tenantId: 'intake', fields: 'nope' },
        }),
      }),
    );
    const dead = await eventually(async () => {
      const { Messages } = await h.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: h.stack.env.LEAD_INTAKE_DLQ_URL,
          WaitTimeSeconds: 1,
        }),
      );
      return Messages?.[0];
    }, 60_000);
    expect(JSON.parse(dead.Body!).detail.fields).toBe('nope');
  });

  describe('e-mail claims', () => {
    const erase = (leadId: string, token: string) =>
      request(h.leads.app).post(`/v1/leads/${leadId}/erasure`).set(bearer(token));
    const db = () => documentClient(h.aws.dynamodb);
    const table = () => h.stack.resources.tables.leads;
    /** As stored before leads recorded their claims: the lead does not say which claim it holds. */
    const forgetClaim = (tenantId: string, leadId: string) =>
      db().send(
        new UpdateCommand({
          TableName: table(),
          Key: { PK: `TENANT#${tenantId}`, SK: `LEAD#${leadId}` },
          UpdateExpression: 'REMOVE emailClaim',
        }),
      );
    /** The claim a lead says it holds, as the lead item records it. */
    const recordClaim = (tenantId: string, leadId: string, dedupeKey: string) =>
      db().send(
        new UpdateCommand({
          TableName: table(),
          Key: { PK: `TENANT#${tenantId}`, SK: `LEAD#${leadId}` },
          UpdateExpression: 'SET emailClaim = :claim',
          ExpressionAttributeValues: { ':claim': dedupeKey },
        }),
      );
    /** A claim as versions before this one left it behind. */
    const leaveClaim = (tenantId: string, dedupeKey: string, leadId: string) =>
      db().send(
        new PutCommand({
          TableName: table(),
          Item: { ...dedupeKeyItem(tenantId, dedupeKey), leadId },
        }),
      );
    /** The lead a de-duplication key names, if any. */
    const claimOf = async (tenantId: string, dedupeKey: string) =>
      (
        await db().send(
          new GetCommand({ TableName: table(), Key: dedupeKeyItem(tenantId, dedupeKey) }),
        )
      ).Item?.leadId;
    const enterLead = (tenant: TestTenant, email: string) =>
      request(h.leads.app)
        .post('/v1/leads')
        .set(bearer(tenant.admin.token))
        .send({ fields: { email } });

    it('when the +tag rule changed before an erasure, then the claim the lead held is released and the next submission makes a new lead', async () => {
      const changed = await h.createTenant('tagrule');
      await changed.configure({ dedupe: { mode: 'merge', ignorePlusTag: true } });
      const tagged = h.received('tagrule', { fields: { email: 'jane+a@example.com' } });
      await h.publishReceived(tagged);
      await h.waitForLead(tagged.leadId, changed.admin.token);
      await changed.configure({ dedupe: { mode: 'merge', ignorePlusTag: false } });
      await erase(tagged.leadId, changed.admin.token).expect(200);

      const plain = h.received('tagrule', { fields: { email: 'jane@example.com' } });
      await h.publishReceived(plain);
      const lead = await h.waitForLead(plain.leadId, changed.admin.token);
      expect(lead.fields).toEqual(plain.fields);
      const tombstone = await h.waitForLead(tagged.leadId, changed.admin.token);
      expect(tombstone).toMatchObject({ fields: {}, consents: [] });
    });

    it('when a lead holding no claim is erased while another lead holds its e-mail, then the erasure succeeds and the other lead keeps taking duplicates in', async () => {
      const switched = await h.createTenant('switched');
      await switched.configure({ dedupe: { mode: 'keep-separate', ignorePlusTag: false } });
      const unclaimed = h.received('switched', { fields: { email: 'shared@example.com' } });
      await h.publishReceived(unclaimed);
      await h.waitForLead(unclaimed.leadId, switched.admin.token);
      await switched.configure({ dedupe: { mode: 'merge', ignorePlusTag: false } });
      const claimant = h.received('switched', { fields: { email: 'shared@example.com' } });
      await h.publishReceived(claimant);
      await h.waitForLead(claimant.leadId, switched.admin.token);

      await erase(unclaimed.leadId, switched.admin.token).expect(200);
      await h.publishReceived(h.received('switched', { fields: { email: 'shared@example.com' } }));
      await eventually(async () => {
        const lead = await h.waitForLead(claimant.leadId, switched.admin.token);
        return lead.version === 2 ? lead : undefined;
      });
    });

    it('when a lead stored before leads recorded their claims takes duplicates in and is erased, then its claim is gone and the next submission makes a new lead', async () => {
      const legacy = await h.createTenant('legacy');
      await legacy.configure({ dedupe: { mode: 'merge', ignorePlusTag: false } });
      const old = h.received('legacy', { fields: { email: 'old@example.com' } });
      await h.publishReceived(old);
      await h.waitForLead(old.leadId, legacy.admin.token);
      await forgetClaim('legacy', old.leadId);
      await h.publishReceived(h.received('legacy', { fields: { email: 'old@example.com' } }));
      await eventually(async () => {
        const lead = await h.waitForLead(old.leadId, legacy.admin.token);
        return lead.version === 2 ? lead : undefined;
      });
      await forgetClaim('legacy', old.leadId);
      await erase(old.leadId, legacy.admin.token).expect(200);
      // The erased person's e-mail is in no key any more.
      expect(await claimOf('legacy', 'old@example.com')).toBeUndefined();

      const fresh = h.received('legacy', { fields: { email: 'old@example.com' } });
      await h.publishReceived(fresh);
      expect((await h.waitForLead(fresh.leadId, legacy.admin.token)).fields).toEqual(fresh.fields);
    });

    it('when a lead stored before leads recorded their claims changes its e-mail, then the old address is released for another lead', async () => {
      const moving = await h.createTenant('legacymove');
      await moving.configure({ dedupe: { mode: 'merge', ignorePlusTag: true } });
      const lead = await enterLead(moving, 'before@example.com').expect(201);
      await forgetClaim('legacymove', lead.body.id);
      await request(h.leads.app)
        .patch(`/v1/leads/${lead.body.id}`)
        .set(bearer(moving.admin.token))
        .set('If-Match', etagOf(lead))
        .send({ fields: { email: 'after@example.com' } })
        .expect(200);

      expect(await claimOf('legacymove', 'before@example.com')).toBeUndefined();
      expect(await claimOf('legacymove', 'after@example.com')).toBe(lead.body.id);
      await enterLead(moving, 'before@example.com').expect(201);
    });

    it('when a lead whose e-mail change left the old address claimed is erased, then that claim goes too', async () => {
      const changed = await h.createTenant('leftclaim');
      await changed.configure({ dedupe: { mode: 'merge', ignorePlusTag: true } });
      const lead = await enterLead(changed, 'first@example.com').expect(201);
      await request(h.leads.app)
        .patch(`/v1/leads/${lead.body.id}`)
        .set(bearer(changed.admin.token))
        .set('If-Match', etagOf(lead))
        .send({ fields: { email: 'second@example.com' } })
        .expect(200);
      await leaveClaim('leftclaim', 'first@example.com', lead.body.id);

      await erase(lead.body.id, changed.admin.token).expect(200);
      expect(await claimOf('leftclaim', 'first@example.com')).toBeUndefined();
      expect(await claimOf('leftclaim', 'second@example.com')).toBeUndefined();
    });

    describe('test leads', () => {
      const atVersion = (leadId: string, version: number, token: string) =>
        eventually(async () => {
          const lead = await h.waitForLead(leadId, token);
          return lead.version === version ? lead : undefined;
        });

      it('when a test delivery carries the e-mail of a real lead, then it becomes a test lead of its own and the real lead stays as it was; later deliveries merge only with their own kind', async () => {
        const both = await h.createTenant('testapart');
        const token = both.admin.token;
        const real = h.received('testapart', {
          fields: { email: 'both@example.com', firstName: 'Real' },
        });
        await h.publishReceived(real);
        await h.waitForLead(real.leadId, token);
        const test = h.received('testapart', {
          isTest: true,
          fields: { email: 'both@example.com', company: 'Test Co' },
        });
        await h.publishReceived(test);
        expect(await h.waitForLead(test.leadId, token)).toMatchObject({
          isTest: true,
          version: 1,
          fields: test.fields,
        });

        await h.publishReceived(
          h.received('testapart', {
            isTest: true,
            fields: { email: 'both@example.com', jobTitle: 'Tester' },
          }),
        );
        await h.publishReceived(
          h.received('testapart', { fields: { email: 'both@example.com', lastName: 'Person' } }),
        );
        expect((await atVersion(test.leadId, 2, token)).fields).toEqual({
          email: 'both@example.com',
          company: 'Test Co',
          jobTitle: 'Tester',
        });
        expect((await atVersion(real.leadId, 2, token)).fields).toEqual({
          email: 'both@example.com',
          firstName: 'Real',
          lastName: 'Person',
        });
        expect((await activities(real.leadId, token)).map((a) => a.type)).toEqual([
          'merged',
          'created',
        ]);
      });

      it('when leads are listed or exported with isTest, then only test leads or only real ones come back', async () => {
        const mixed = await h.createTenant('testlist');
        const token = mixed.admin.token;
        const real = h.received('testlist');
        const test = h.received('testlist', { isTest: true });
        await Promise.all([h.publishReceived(real), h.publishReceived(test)]);
        await Promise.all([h.waitForLead(real.leadId, token), h.waitForLead(test.leadId, token)]);
        const listed = async (query: string) =>
          (
            await request(h.leads.app).get(`/v1/leads?${query}`).set(bearer(token)).expect(200)
          ).body.items.map((l: { id: string }) => l.id);

        expect(await listed('isTest=true')).toEqual([test.leadId]);
        expect(await listed('isTest=false')).toEqual([real.leadId]);
        expect(await listed('')).toHaveLength(2);
        const exported = await request(h.leads.app)
          .get('/v1/leads/export.csv?isTest=false')
          .set(bearer(token))
          .expect(200);
        expect(exported.text).toContain(real.leadId);
        expect(exported.text).not.toContain(test.leadId);
      });

      it('when a test lead is erased, then the claim it held among test leads is released and the real lead keeps its own', async () => {
        const erasing = await h.createTenant('testerase');
        const token = erasing.admin.token;
        const real = h.received('testerase', { fields: { email: 'gone@example.com' } });
        const test = h.received('testerase', {
          isTest: true,
          fields: { email: 'gone@example.com' },
        });
        await h.publishReceived(real);
        await h.waitForLead(real.leadId, token);
        await h.publishReceived(test);
        await h.waitForLead(test.leadId, token);
        expect(await claimOf('testerase', 'TEST#gone@example.com')).toBe(test.leadId);

        await erase(test.leadId, token).expect(200);
        expect(await claimOf('testerase', 'TEST#gone@example.com')).toBeUndefined();
        expect(await claimOf('testerase', 'gone@example.com')).toBe(real.leadId);
        const next = h.received('testerase', {
          isTest: true,
          fields: { email: 'gone@example.com' },
        });
        await h.publishReceived(next);
        expect(await h.waitForLead(next.leadId, token)).toMatchObject({ isTest: true, version: 1 });
      });

      it('when a test lead holds a real e-mail’s claim, as test leads did before they had claims of their own, then a real submission makes a real lead that takes the claim over', async () => {
        const older = await h.createTenant('oldtest');
        const token = older.admin.token;
        const test = h.received('oldtest', {
          isTest: true,
          fields: { email: 'early@example.com' },
        });
        await h.publishReceived(test);
        await h.waitForLead(test.leadId, token);
        await db().send(
          new DeleteCommand({
            TableName: table(),
            Key: dedupeKeyItem('oldtest', 'TEST#early@example.com'),
          }),
        );
        await leaveClaim('oldtest', 'early@example.com', test.leadId);
        await recordClaim('oldtest', test.leadId, 'early@example.com');

        const real = h.received('oldtest', { fields: { email: 'early@example.com' } });
        await h.publishReceived(real);
        expect(await h.waitForLead(real.leadId, token)).toMatchObject({
          isTest: false,
          fields: real.fields,
        });
        expect(await claimOf('oldtest', 'early@example.com')).toBe(real.leadId);
        expect((await h.waitForLead(test.leadId, token)).version).toBe(1);
        await erase(test.leadId, token).expect(200);
        expect(await claimOf('oldtest', 'early@example.com')).toBe(real.leadId);
      });
    });

    it('when a claim still names a lead erased before erasures released every claim, then a lead entered by hand takes the e-mail over', async () => {
      const erased = await h.createTenant('oldtomb');
      await erased.configure({ dedupe: { mode: 'merge', ignorePlusTag: true } });
      const lead = await enterLead(erased, 'gone@example.com').expect(201);
      await erase(lead.body.id, erased.admin.token).expect(200);
      await leaveClaim('oldtomb', 'gone@example.com', lead.body.id);

      const again = await enterLead(erased, 'gone@example.com').expect(201);
      expect(await claimOf('oldtomb', 'gone@example.com')).toBe(again.body.id);
      expect((await enterLead(erased, 'gone@example.com')).status).toBe(409);
    });
  });

  describe('per-tenant rules', () => {
    it('when the tenant keeps duplicates separate, then the same e-mail makes two leads', async () => {
      const separate = await h.createTenant('separate');
      await separate.configure({ dedupe: { mode: 'keep-separate', ignorePlusTag: false } });
      const a = h.received('separate', { fields: { email: 'twice@example.com' } });
      const b = h.received('separate', { fields: { email: 'twice@example.com' } });
      await h.publishReceived(a);
      await h.publishReceived(b);
      await h.waitForLead(a.leadId, separate.admin.token);
      await h.waitForLead(b.leadId, separate.admin.token);
    });

    it('when +tags are not ignored, then jane+x and jane are two leads', async () => {
      const strict = await h.createTenant('strict');
      await strict.configure({ dedupe: { mode: 'merge', ignorePlusTag: false } });
      const a = h.received('strict', { fields: { email: 'jane@example.com' } });
      const b = h.received('strict', { fields: { email: 'jane+x@example.com' } });
      await h.publishReceived(a);
      await h.waitForLead(a.leadId, strict.admin.token);
      await h.publishReceived(b);
      await h.waitForLead(b.leadId, strict.admin.token);
    });

    it('when the form has an owner, then its leads are assigned to that member', async () => {
      const owned = await h.createTenant('owned');
      const agent = await owned.member('agent');
      await owned.configure({
        assignment: { mode: 'form-owner', formOwners: { FORMA: agent.id } },
      });
      const event = h.received('owned', { formId: 'FORMA' });
      await h.publishReceived(event);
      expect((await h.waitForLead(event.leadId, owned.admin.token)).ownerId).toBe(agent.id);
    });

    it('when assignment is weighted round-robin, then agents get leads in proportion to their weights', async () => {
      const rr = await h.createTenant('roundrobin');
      const heavy = await rr.member('agent');
      const light = await rr.member('agent');
      await rr.configure({
        assignment: {
          mode: 'round-robin',
          agents: [
            { memberId: heavy.id, weight: 2 },
            { memberId: light.id, weight: 1 },
          ],
        },
      });
      const events = Array.from({ length: 6 }, () => h.received('roundrobin'));
      for (const event of events) await h.publishReceived(event);
      const owners = await Promise.all(
        events.map(async (e) => (await h.waitForLead(e.leadId, rr.admin.token)).ownerId),
      );
      expect(owners.filter((o) => o === heavy.id)).toHaveLength(4);
      expect(owners.filter((o) => o === light.id)).toHaveLength(2);
    });
  });
});
