import { eventually } from '@leadflow/testing';
import {
  leadCreated,
  leadErased,
  leadUpdated,
  startCrmSyncHarness,
  startCrmSyncService,
  type ConnectionRef,
  type CrmSyncHarness,
  eraseAfterUnrecordedCreate,
} from './harness';

const TOKEN = 'pat-na1-hubspot-alpha-0000000001';

describe('HubSpot sync', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('alpha', [
      { key: 'budget', label: 'Budget', type: 'number' },
      { key: 'stage', label: 'Stage', type: 'text' },
      {
        key: 'interests',
        label: 'Interests',
        type: 'multiselect',
        options: ['crm', 'sync', 'ads'],
      },
    ]);
    hubspot = await h.connect('alpha', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
      fieldMapping: {
        email: 'email',
        firstName: 'firstname',
        lastName: 'lastname',
        company: 'company',
        phone: 'phone',
        'custom.budget': 'budget',
        'custom.stage': 'lifecyclestage',
        'custom.interests': 'interests',
      },
    });
    h.fake.configure({ hubspotProperties: ['budget', 'interests'] });
  });
  afterAll(() => h.close());

  const contactOf = (email: string) =>
    [...h.fake.state.hubspotContacts.values()].find((c) => c.properties.email === email);

  it('when a lead is created, then HubSpot has the contact with the mapped fields and the lead shows synced with its id', async () => {
    const created = leadCreated('alpha', {
      fields: {
        email: 'Grace.Hopper@Alpha.example.com',
        firstName: 'Grace',
        lastName: 'Hopper',
        company: 'Navy',
        phone: '+15551234567',
      },
      custom: { budget: 5000, stage: 'lead', interests: ['crm', 'sync'] },
    });
    await h.publish(created);

    const status = await h.waitForStatus(
      'alpha',
      created.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced',
    );

    const contact = contactOf('grace.hopper@alpha.example.com');
    expect(contact).toBeDefined();
    expect(contact!.token).toBe(TOKEN);
    expect(contact!.properties).toEqual({
      email: 'grace.hopper@alpha.example.com',
      firstname: 'Grace',
      lastname: 'Hopper',
      company: 'Navy',
      phone: '+15551234567',
      budget: '5000',
      lifecyclestage: 'lead',
      interests: 'crm;sync',
    });
    expect(status).toMatchObject({
      connectionId: hubspot.id,
      crmType: 'hubspot',
      state: 'synced',
      externalId: contact!.id,
      leadVersion: 1,
    });
    expect(status.lastError).toBeUndefined();
  });

  it('when the same change is delivered twice and an older one arrives late, then one contact keeps the newest data', async () => {
    const created = leadCreated('alpha', {
      fields: { email: 'twice@alpha.example.com', firstName: 'Old', lastName: 'Name' },
    });
    const updated = leadUpdated(created, { fields: { firstName: 'New', lastName: undefined } });
    await h.publish(updated, updated);
    await h.waitForStatus(
      'alpha',
      updated.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced' && s.leadVersion === 2,
    );
    const writesAfterUpdate = contactOf('twice@alpha.example.com')!.writes;

    await h.publish(created);
    await new Promise((r) => setTimeout(r, 2_000));

    const contacts = [...h.fake.state.hubspotContacts.values()].filter(
      (c) => c.properties.email === 'twice@alpha.example.com',
    );
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.writes).toBe(writesAfterUpdate);
    expect(contacts[0]!.properties.firstname).toBe('New');
    // The emptied last name was cleared in HubSpot.
    expect(contacts[0]!.properties.lastname).toBeUndefined();
    const [status] = await h.statuses('alpha', updated.detail.leadId);
    expect(status).toMatchObject({ state: 'synced', leadVersion: 2 });
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBe(0);
  });

  it('when a change never reached HubSpot, then the next one still clears the fields it emptied', async () => {
    const created = leadCreated('alpha', {
      fields: { email: 'gap@alpha.example.com', firstName: 'Ada', phone: '+15550001111' },
    });
    await h.publish(created);
    await h.waitForStatus('alpha', created.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    expect(contactOf('gap@alpha.example.com')!.properties.phone).toBe('+15550001111');

    const phoneCleared = leadUpdated(created, { fields: { phone: undefined } });
    const renamed = leadUpdated(phoneCleared, { fields: { firstName: 'Grace' } });
    await h.publish(renamed);
    await h.waitForStatus(
      'alpha',
      created.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced' && s.leadVersion === 3,
    );

    const contact = contactOf('gap@alpha.example.com')!;
    expect(contact.properties.firstname).toBe('Grace');
    expect(contact.properties.phone).toBeUndefined();
  });

  it('when many leads arrive together, then they share batch requests', async () => {
    const before = h.fake.requests({ crm: 'hubspot' }).length;
    const leads = Array.from({ length: 30 }, () => leadCreated('alpha'));
    await h.publish(...leads);
    for (const lead of leads)
      await h.waitForStatus('alpha', lead.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    const requests = h.fake.requests({ crm: 'hubspot' }).slice(before);
    expect(requests.reduce((sum, r) => sum + r.records, 0)).toBe(30);
    expect(requests.length).toBeLessThan(15);
    expect(Math.max(...requests.map((r) => r.records))).toBeGreaterThan(1);
  });

  it('when one record is invalid, then it alone is failed for good and the others sync', async () => {
    const good = leadCreated('alpha', { custom: { stage: 'customer' } });
    const bad = leadCreated('alpha', { custom: { stage: 'not-a-stage' } });
    await h.publish(good, bad);
    await h.waitForStatus('alpha', good.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    const failed = await h.waitForStatus(
      'alpha',
      bad.detail.leadId,
      hubspot.id,
      (s) => s.state === 'failed',
    );
    expect(failed.lastError).toMatch(/VALIDATION_ERROR.*lifecyclestage/);

    const requestsBefore = h.fake.requests({ crm: 'hubspot' }).length;
    await new Promise((r) => setTimeout(r, 2_500));
    // Permanent failures are not retried.
    expect(h.fake.requests({ crm: 'hubspot' }).length).toBe(requestsBefore);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBe(0);
  });

  it('when a property does not exist in HubSpot for one lead of a batch, then halving the batch fails only that lead', async () => {
    const leads = Array.from({ length: 6 }, () => leadCreated('alpha'));
    const odd = leadCreated('alpha', { custom: { interests: ['ads'] } });
    h.fake.configure({ hubspotProperties: ['budget'] });
    try {
      await h.publish(...leads.slice(0, 3), odd, ...leads.slice(3));
      const failed = await h.waitForStatus(
        'alpha',
        odd.detail.leadId,
        hubspot.id,
        (s) => s.state === 'failed',
      );
      expect(failed.lastError).toMatch(/PROPERTY_DOESNT_EXIST|does not exist/);
      for (const lead of leads)
        await h.waitForStatus('alpha', lead.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    } finally {
      h.fake.configure({ hubspotProperties: ['budget', 'interests'] });
    }
  });

  it('when a lead has no e-mail, then it is failed: HubSpot matches contacts by e-mail', async () => {
    const anonymous = leadCreated('alpha', { fields: { firstName: 'No', lastName: 'Mail' } });
    await h.publish(anonymous);
    const status = await h.waitForStatus(
      'alpha',
      anonymous.detail.leadId,
      hubspot.id,
      (s) => s.state === 'failed',
    );
    expect(status.lastError).toMatch(/e-mail/);
  });

  it('when a lead is erased, then HubSpot deletes the contact (GDPR) and a late update does not bring it back', async () => {
    const created = leadCreated('alpha', {
      fields: { email: 'forget.me@alpha.example.com', lastName: 'Me' },
    });
    await h.publish(created);
    const synced = await h.waitForStatus(
      'alpha',
      created.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced',
    );
    expect(contactOf('forget.me@alpha.example.com')).toBeDefined();

    await h.publish(leadErased('alpha', created.detail.leadId, 3));
    const erased = await h.waitForStatus(
      'alpha',
      created.detail.leadId,
      hubspot.id,
      (s) => s.leadVersion === 3 && s.state !== 'pending',
    );
    expect(erased.state).toBe('synced');
    expect(erased.externalId).toBeUndefined();
    expect(contactOf('forget.me@alpha.example.com')).toBeUndefined();
    const gdpr = h.fake.requests({ crm: 'hubspot' }).filter((r) => r.path.endsWith('/gdpr-delete'));
    expect(gdpr.length).toBeGreaterThanOrEqual(1);
    expect(synced.externalId).toBeDefined();

    await h.publish(leadUpdated(created, { fields: { firstName: 'Zombie' }, version: 2 }));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(contactOf('forget.me@alpha.example.com')).toBeUndefined();
    expect((await h.statuses('alpha', created.detail.leadId))[0]).toMatchObject({
      leadVersion: 3,
      state: 'synced',
    });
  });

  it('when a lead whose create may have reached HubSpot without its id being recorded is erased, then the erasure shows failed, not verified, instead of synced', async () => {
    const created = leadCreated('alpha', { fields: { email: 'unrecorded@alpha.example.com' } });
    // The create reached HubSpot, but its answer was lost: no contact id was recorded.
    const id = String(h.fake.state.nextId());
    const now = new Date().toISOString();
    h.fake.state.hubspotContacts.set(id, {
      token: TOKEN,
      id,
      properties: { email: 'unrecorded@alpha.example.com' },
      createdAt: now,
      updatedAt: now,
      writes: 1,
    });
    const erased = await eraseAfterUnrecordedCreate(
      h,
      'alpha',
      { id: hubspot.id, crmType: 'hubspot' },
      created.detail.leadId,
    );

    expect(erased.state).toBe('failed');
    expect(erased.lastError).toMatch(/^erasure not verified: no CRM id recorded/);
  });

  it('when an erasure arrives before its lead was ever synced, then the late creation sends nothing', async () => {
    const created = leadCreated('alpha', { fields: { email: 'never@alpha.example.com' } });
    await h.publish(leadErased('alpha', created.detail.leadId, 2));
    await h.waitForStatus('alpha', created.detail.leadId, hubspot.id, (s) => s.leadVersion === 2);
    await h.publish(created);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(contactOf('never@alpha.example.com')).toBeUndefined();
    expect(
      h.fake.requests({ crm: 'hubspot' }).some((r) => r.emails.includes('never@alpha.example.com')),
    ).toBe(false);
  });
});

describe('HubSpot erasure while the connection is paused', () => {
  let h: CrmSyncHarness;
  const PAUSED_TOKEN = 'pat-na1-paused-erasure-0001';

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('paused');
  });
  afterAll(() => h.close());

  it('when a lead is erased while its connection is paused, then HubSpot still deletes the contact', async () => {
    let hubspot = await h.connect('paused', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: PAUSED_TOKEN },
    });
    const created = leadCreated('paused', {
      fields: { email: 'subject@paused.example.com', firstName: 'Data' },
    });
    const { leadId } = created.detail;
    await h.publish(created);
    await h.waitForStatus('paused', leadId, hubspot.id, (s) => s.state === 'synced');
    hubspot = await h.updateConnection('paused', hubspot, { enabled: false });

    await h.publish(leadErased('paused', leadId, 2));
    const erased = await h.waitForStatus(
      'paused',
      leadId,
      hubspot.id,
      (s) => s.leadVersion === 2 && s.state !== 'pending',
    );

    expect(erased.state).toBe('synced');
    expect(erased.externalId).toBeUndefined();
    const contacts = [...h.fake.state.hubspotContacts.values()];
    expect(contacts.filter((c) => c.token === PAUSED_TOKEN)).toEqual([]);
  });

  it('when a lead is erased, then a connection paused before it ever got the lead is sent nothing', async () => {
    const hubspot = await h.connect('paused', {
      type: 'hubspot',
      name: 'HubSpot, live',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: `${PAUSED_TOKEN}-live` },
    });
    const hook = await h.connect('paused', {
      type: 'webhook',
      name: 'Receiver, down',
      enabled: false,
      credentials: {
        url: `${h.fake.baseUrl}/webhook/down`,
        signingSecret: 'whsec-0123456789abcdef-down',
      },
    });
    const created = leadCreated('paused', { fields: { email: 'never.hooked@paused.example.com' } });
    const { leadId } = created.detail;
    await h.publish(created);
    await h.waitForStatus('paused', leadId, hubspot.id, (s) => s.state === 'synced');

    await h.publish(leadErased('paused', leadId, 2));
    await h.waitForStatus('paused', leadId, hubspot.id, (s) => s.leadVersion === 2);

    const statuses = await h.statuses('paused', leadId);
    expect(statuses.map((s) => s.connectionId)).not.toContain(hook.id);
    expect(h.fake.state.webhookDeliveries.filter((d) => d.path === '/webhook/down')).toEqual([]);
  });
});

describe('HubSpot sync of changes that wait together', () => {
  const token = 'pat-na1-hubspot-queued-000000001';
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    // The worker starts only once the changes are queued, so one receive brings them all.
    h = await startCrmSyncHarness({
      startWorker: false,
      env: { CRM_SYNC_BATCH_LINGER_MS: '1000' },
    });
    await h.createTenant('queued');
    hubspot = await h.connect('queued', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: token },
      fieldMapping: { email: 'email', firstName: 'firstname', phone: 'phone' },
    });
  });
  afterAll(() => h.close());

  it('when a phone is cleared and the lead changes again before either is sent, then HubSpot loses the phone too', async () => {
    const created = leadCreated('queued', {
      fields: { email: 'both@queued.example.com', firstName: 'Ada', phone: '+15551234567' },
    });
    const earlier = startCrmSyncService(h.stack.env);
    await h.publish(created);
    await h.waitForStatus('queued', created.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    await earlier.stop();

    const phoneCleared = leadUpdated(created, { fields: { phone: undefined } });
    const renamed = leadUpdated(phoneCleared, { fields: { firstName: 'Grace' } });
    await h.publish(phoneCleared, renamed);
    await eventually(
      async () => ((await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)) === 2 ? true : undefined),
      10_000,
      100,
    );
    const upsertsBefore = h.fake.requests({ crm: 'hubspot', token }).length;
    h.crmSync.worker.start();

    await h.waitForStatus(
      'queued',
      created.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced' && s.leadVersion === 3,
    );
    // Both changes went out as one upsert of the newest version.
    expect(h.fake.requests({ crm: 'hubspot', token }).length - upsertsBefore).toBe(1);
    const [contact] = [...h.fake.state.hubspotContacts.values()].filter((c) => c.token === token);
    expect(contact!.properties).toEqual({ email: 'both@queued.example.com', firstname: 'Grace' });
  });
});
