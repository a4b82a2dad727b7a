import {
  leadCreated,
  leadErased,
  leadUpdated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
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
      (s) => s.leadVersion === 3,
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
