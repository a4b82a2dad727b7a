import { EXTERNAL_ID_FIELD } from '../src/connectors/salesforce.connector';
import {
  leadCreated,
  leadErased,
  leadUpdated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const TOKEN = '00Dxx0000001gPL!AQ4AQFakeSalesforceSessionToken';

describe('Salesforce sync', () => {
  let h: CrmSyncHarness;
  let salesforce: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('sfco');
    salesforce = await h.connect('sfco', {
      type: 'salesforce',
      name: 'Salesforce',
      credentials: { instanceUrl: h.fake.baseUrl, accessToken: TOKEN },
    });
  });
  afterAll(() => h.close());

  const leadsWith = (field: string, value: unknown) =>
    [...h.fake.state.salesforceLeads.values()].filter((l) => l.fields[field] === value);

  /** A lead with these fields, once its sync ended (synced, unless Salesforce refused it). */
  async function syncedWith(fields: Record<string, string>) {
    const created = leadCreated('sfco', { fields });
    await h.publish(created);
    const status = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state !== 'pending',
    );
    return { created, status };
  }

  /** A lead with nothing but an e-mail, synced: its Lead got the placeholders. */
  const syncedWithEmailOnly = (email: string) => syncedWith({ email });

  it('when a lead is created and updated, then one Lead record keyed by the Leadflow id holds the newest fields', async () => {
    const created = leadCreated('sfco', {
      fields: {
        email: 'ada@sfco.example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Engines',
        jobTitle: 'CTO',
        message: 'Call me',
      },
    });
    await h.publish(created);
    const synced = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced',
    );
    const [record] = leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId);
    expect(record).toBeDefined();
    expect(record!.token).toBe(TOKEN);
    expect(record!.fields).toMatchObject({
      Email: 'ada@sfco.example.com',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Company: 'Engines',
      Title: 'CTO',
      Description: 'Call me',
    });
    expect(synced.externalId).toBe(record!.Id);

    const updated = leadUpdated(created, { fields: { jobTitle: 'CEO' } });
    await h.publish(updated, updated);
    await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced' && s.leadVersion === 2,
    );
    expect(leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId)).toHaveLength(1);
    expect(record!.fields.Title).toBe('CEO');
    expect(record!.writes).toBe(2);
  });

  it('when a lead has no last name or company, then Salesforce gets placeholders for its required fields', async () => {
    const { created } = await syncedWithEmailOnly('min@sfco.example.com');
    expect(leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId)[0]!.fields).toMatchObject({
      LastName: '[not provided]',
      Company: '[not provided]',
    });
  });

  it('when a sales rep filled in a Lead’s placeholders, then later updates leave their values', async () => {
    const { created } = await syncedWithEmailOnly('rep@sfco.example.com');
    const [record] = leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId);
    Object.assign(record!.fields, { LastName: 'Turing', Company: 'Bletchley Park' });

    await h.publish(leadUpdated(created, { fields: { jobTitle: 'Cryptanalyst' } }));
    await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced' && s.leadVersion === 2,
    );

    expect(record!.writes).toBe(2);
    expect(record!.fields).toMatchObject({
      LastName: 'Turing',
      Company: 'Bletchley Park',
      Title: 'Cryptanalyst',
    });
  });

  it('when a sales rep deleted the Lead, then the next change creates it again, with placeholders for its required fields', async () => {
    const { created, status: first } = await syncedWithEmailOnly('gone@sfco.example.com');
    h.fake.state.salesforceLeads.delete(first.externalId!);

    await h.publish(leadUpdated(created, { fields: { jobTitle: 'Buyer' } }));
    const again = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state !== 'pending',
    );

    expect({ state: again.state, lastError: again.lastError }).toEqual({ state: 'synced' });
    const records = leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId);
    expect(records).toHaveLength(1);
    expect(records[0]!.Id).not.toBe(first.externalId);
    expect(again.externalId).toBe(records[0]!.Id);
    expect(records[0]!.fields).toMatchObject({
      Email: 'gone@sfco.example.com',
      Title: 'Buyer',
      LastName: '[not provided]',
      Company: '[not provided]',
    });
  });

  it('when a duplicate rule matches an existing Lead, then crm-sync links that record instead of failing', async () => {
    const existing = h.fake.seedSalesforceLead(TOKEN, {
      Email: 'Dup@sfco.example.com',
      LastName: 'Entered By A Rep',
      Company: 'Dup Inc',
    });
    const created = leadCreated('sfco', {
      fields: { email: 'dup@sfco.example.com', lastName: 'Duplicate', company: 'Dup Inc' },
    });
    await h.publish(created);
    const synced = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced',
    );
    expect(synced.externalId).toBe(existing);
    expect(leadsWith('Company', 'Dup Inc')).toHaveLength(1);
    expect(h.fake.state.salesforceLeads.get(existing)!.fields[EXTERNAL_ID_FIELD]).toBe(
      created.detail.leadId,
    );

    // From now on the upsert finds it by the external id.
    await h.publish(leadUpdated(created, { fields: { lastName: 'Linked' } }));
    await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    expect(h.fake.state.salesforceLeads.get(existing)!.fields.LastName).toBe('Linked');
    expect(leadsWith('Company', 'Dup Inc')).toHaveLength(1);
  });

  it('when two leads share an e-mail (a tenant that keeps them apart), then each has its own Lead, and an edit of one never writes the other’s', async () => {
    const first = await syncedWith({ email: 'twin@sfco.example.com', lastName: 'First' });
    const second = await syncedWith({ email: 'twin@sfco.example.com', lastName: 'Second' });

    expect(second.status).toMatchObject({ state: 'synced' });
    expect(second.status.externalId).not.toBe(first.status.externalId);
    const records = h.fake.state.salesforceLeads;
    expect(records.get(first.status.externalId!)!.fields).toMatchObject({
      [EXTERNAL_ID_FIELD]: first.created.detail.leadId,
      LastName: 'First',
    });
    expect(records.get(second.status.externalId!)!.fields).toMatchObject({
      [EXTERNAL_ID_FIELD]: second.created.detail.leadId,
      LastName: 'Second',
    });

    await h.publish(leadUpdated(first.created, { fields: { lastName: 'First Edited' } }));
    await h.waitForStatus(
      'sfco',
      first.created.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    expect(records.get(first.status.externalId!)!.fields.LastName).toBe('First Edited');
    expect(records.get(second.status.externalId!)!.fields.LastName).toBe('Second');
  });

  it('when a synced lead’s e-mail becomes one another Lead has, then its own Lead takes it', async () => {
    const other = h.fake.seedSalesforceLead(TOKEN, {
      Email: 'taken@sfco.example.com',
      LastName: 'Entered By A Rep',
      Company: 'Other Inc',
    });
    const { created, status: before } = await syncedWith({
      email: 'mover@sfco.example.com',
      lastName: 'Mover',
    });

    await h.publish(leadUpdated(created, { fields: { email: 'taken@sfco.example.com' } }));
    const after = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state !== 'pending',
    );

    expect(after).toMatchObject({ state: 'synced', externalId: before.externalId });
    const records = h.fake.state.salesforceLeads;
    expect(records.get(before.externalId!)!.fields.Email).toBe('taken@sfco.example.com');
    expect(records.get(other)!.fields).toMatchObject({ LastName: 'Entered By A Rep' });
    expect(records.get(other)!.fields[EXTERNAL_ID_FIELD]).toBeUndefined();
  });

  it('when a lead is erased, then its Lead is deleted, by record id or, unknown, by external id', async () => {
    const known = leadCreated('sfco');
    await h.publish(known);
    await h.waitForStatus('sfco', known.detail.leadId, salesforce.id, (s) => s.state === 'synced');
    const unknown = leadCreated('sfco');
    h.fake.seedSalesforceLead(TOKEN, {
      [EXTERNAL_ID_FIELD]: unknown.detail.leadId,
      LastName: 'Synced',
      Company: 'Before status',
    });

    await h.publish(
      leadErased('sfco', known.detail.leadId, 2),
      leadErased('sfco', unknown.detail.leadId, 2),
    );

    await h.waitForStatus(
      'sfco',
      known.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    await h.waitForStatus(
      'sfco',
      unknown.detail.leadId,
      salesforce.id,
      (s) => s.leadVersion === 2 && s.state === 'synced',
    );
    expect(leadsWith(EXTERNAL_ID_FIELD, known.detail.leadId)).toHaveLength(0);
    expect(leadsWith(EXTERNAL_ID_FIELD, unknown.detail.leadId)).toHaveLength(0);
    const deletes = h.fake.requests({ crm: 'salesforce' }).filter((r) => r.method === 'DELETE');
    expect(deletes.some((r) => r.path.endsWith('/composite/sobjects'))).toBe(true);
    expect(deletes.some((r) => r.path.includes(`/sobjects/Lead/${EXTERNAL_ID_FIELD}/`))).toBe(true);
  });

  it('when the access token is rejected, then the lead shows failed with the reason, and its change syncs once the token is accepted again', async () => {
    const created = leadCreated('sfco');
    h.fake.configure({ rejectTokens: [TOKEN] });
    try {
      await h.publish(created);
      const failed = await h.waitForStatus(
        'sfco',
        created.detail.leadId,
        salesforce.id,
        (s) => s.state === 'failed',
      );
      expect(failed.lastError).toMatch(/401.*INVALID_SESSION_ID/);
    } finally {
      h.fake.configure({ rejectTokens: [] });
    }
    const synced = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced',
    );
    expect(synced.lastError).toBeUndefined();
    expect(leadsWith(EXTERNAL_ID_FIELD, created.detail.leadId)).toHaveLength(1);
  });

  it('when the org is over its API request limit (403 REQUEST_LIMIT_EXCEEDED), then the change waits instead of failing', async () => {
    h.fake.storm({ crm: 'salesforce', status: 429, requests: 1 });
    const created = leadCreated('sfco');
    await h.publish(created);
    const pending = await h.waitForStatus(
      'sfco',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state === 'pending' && s.lastError !== undefined,
    );
    expect(pending.lastError).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    const count = h.fake.requests({ crm: 'salesforce' }).length;
    await new Promise((r) => setTimeout(r, 2_000));
    // Delayed (minutes), not hammered.
    expect(h.fake.requests({ crm: 'salesforce' })).toHaveLength(count);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)).toBe(1);
  });
});

describe('Salesforce sync with a refresh token', () => {
  let h: CrmSyncHarness;
  let salesforce: ConnectionRef;
  const REFRESH_TOKEN = '5Aep861FakeRefreshTokenOfTheIntegrationUser';

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('sfrefresh');
    salesforce = await h.connect('sfrefresh', {
      type: 'salesforce',
      name: 'Salesforce',
      credentials: {
        instanceUrl: h.fake.baseUrl,
        refreshToken: REFRESH_TOKEN,
        clientId: '3MVG9FakeConsumerKey',
        clientSecret: 'FakeConsumerSecret0123',
      },
    });
  });
  afterAll(() => h.close());

  const sync = async (email: string) => {
    const created = leadCreated('sfrefresh', { fields: { email, lastName: 'Refresh' } });
    await h.publish(created);
    return h.waitForStatus(
      'sfrefresh',
      created.detail.leadId,
      salesforce.id,
      (s) => s.state !== 'pending',
    );
  };
  const tokenRequests = () =>
    h.fake.requests({ crm: 'salesforce' }).filter((r) => r.path === '/services/oauth2/token');

  it('when Salesforce ends the session, then crm-sync gets a new access token with the refresh token and the lead syncs', async () => {
    expect((await sync('first@sfrefresh.example.com')).state).toBe('synced');
    expect(tokenRequests()).toHaveLength(1);

    h.fake.state.salesforceSessions.clear();
    const afterExpiry = await sync('second@sfrefresh.example.com');

    expect(afterExpiry.state).toBe('synced');
    expect(tokenRequests()).toHaveLength(2);
    const records = [...h.fake.state.salesforceLeads.values()].filter(
      (l) => l.token === REFRESH_TOKEN,
    );
    expect(records.map((l) => l.fields.Email).sort()).toEqual([
      'first@sfrefresh.example.com',
      'second@sfrefresh.example.com',
    ]);
  });

  it('when the refresh token is revoked, then the lead shows failed with the reason', async () => {
    h.fake.configure({ rejectTokens: [REFRESH_TOKEN] });
    h.fake.state.salesforceSessions.clear();
    try {
      const status = await sync('revoked@sfrefresh.example.com');
      expect(status.state).toBe('failed');
      expect(status.lastError).toMatch(
        /Salesforce refused the refresh token \(400 invalid_grant\)/,
      );
    } finally {
      h.fake.configure({ rejectTokens: [] });
    }
  });
});
