import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type CrmConnectionItem } from '@leadflow/contracts';
import { ulid } from 'ulid';
import { leadCreated, startCrmSyncHarness, type CrmSyncHarness } from './harness';

const RED = 'pat-na1-red-tenant-token-00000001';
const BLUE = 'pat-na1-blue-tenant-token-0000001';
const OFF = 'pat-na1-disabled-connection-0001';

describe('Tenancy and connections', () => {
  let h: CrmSyncHarness;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('red');
    await h.createTenant('blue');
  });
  afterAll(() => h.close());

  const hubspot = (tenantId: string, accessToken: string, extra: object = {}) =>
    h.connect(tenantId, {
      type: 'hubspot',
      name: `HubSpot ${accessToken.slice(-4)}`,
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken },
      ...extra,
    });

  it('when two tenants sync at once, then each token only ever carries its own tenant’s leads', async () => {
    const red = await hubspot('red', RED);
    const blue = await hubspot('blue', BLUE);
    const leads = Array.from({ length: 20 }, (_, i) => leadCreated(i % 2 === 0 ? 'red' : 'blue'));
    await h.publish(...leads);
    for (const lead of leads) {
      const connection = lead.detail.tenantId === 'red' ? red : blue;
      await h.waitForStatus(
        lead.detail.tenantId,
        lead.detail.leadId,
        connection.id,
        (s) => s.state === 'synced',
      );
    }
    const redRequests = h.fake.requests({ crm: 'hubspot', token: RED });
    const blueRequests = h.fake.requests({ crm: 'hubspot', token: BLUE });
    expect(redRequests.flatMap((r) => r.emails)).toHaveLength(10);
    expect(blueRequests.flatMap((r) => r.emails)).toHaveLength(10);
    expect(redRequests.flatMap((r) => r.emails).every((e) => e.endsWith('@red.example.com'))).toBe(
      true,
    );
    expect(
      blueRequests.flatMap((r) => r.emails).every((e) => e.endsWith('@blue.example.com')),
    ).toBe(true);
    for (const contact of h.fake.state.hubspotContacts.values())
      expect(
        contact.properties.email!.endsWith(
          contact.token === RED ? '@red.example.com' : '@blue.example.com',
        ),
      ).toBe(true);
  });

  it('when a connection is disabled, then it receives nothing while the tenant’s other connections do', async () => {
    await h.createTenant('green');
    const on = await hubspot('green', 'pat-na1-green-enabled-000000001');
    const off = await hubspot('green', OFF, { enabled: false });
    const lead = leadCreated('green');
    await h.publish(lead);
    await h.waitForStatus('green', lead.detail.leadId, on.id, (s) => s.state === 'synced');

    const disabledLater = await h.updateConnection('green', on, { enabled: false });
    const after = leadCreated('green');
    await h.publish(after);
    await new Promise((r) => setTimeout(r, 2_000));

    expect(h.fake.requests({ token: OFF })).toHaveLength(0);
    expect(
      h.fake.requests({ token: 'pat-na1-green-enabled-000000001' }).flatMap((r) => r.emails),
    ).toEqual([lead.detail.lead.fields.email!.toLowerCase()]);
    const statuses = await h.statuses('green', after.detail.leadId);
    expect(statuses).toEqual([]);
    expect((await h.statuses('green', lead.detail.leadId)).map((s) => s.connectionId)).toEqual([
      on.id,
    ]);
    expect(disabledLater.version).toBe(2);
    expect(off.id).not.toBe(on.id);
  });

  it('when a connection item names another tenant’s secret, then nothing is sent with it and the lead shows failed', async () => {
    const victim = await hubspot('red', 'pat-na1-red-victim-secret-00001');
    const now = new Date().toISOString();
    const forged: CrmConnectionItem = {
      tenantId: 'blue',
      connectionId: ulid(),
      type: 'hubspot',
      name: 'Forged',
      enabled: true,
      baseUrl: h.fake.baseUrl,
      fieldMapping: { email: 'email' },
      secretName: `${h.stack.env.SECRETS_PREFIX}red/crm/${victim.id}`,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await h.db.send(
      new PutCommand({
        TableName: h.stack.env.TENANTS_TABLE!,
        Item: { ...tenantKeys.crmConnection('blue', forged.connectionId), ...forged },
      }),
    );
    const lead = leadCreated('blue');
    await h.publish(lead);
    const failed = await h.waitForStatus(
      'blue',
      lead.detail.leadId,
      forged.connectionId,
      (s) => s.state === 'failed',
    );
    expect(failed.lastError).toMatch(/not its own/);
    // The connection is at fault, not the change: fixed, a redrive may send this version.
    expect(failed.refused).toBeUndefined();
    expect(h.fake.requests({ token: 'pat-na1-red-victim-secret-00001' })).toHaveLength(0);
  });

  it('when the token was rotated while the old one is still cached, then HubSpot’s refusal drops it and the same attempt syncs with the new one', async () => {
    await h.createTenant('cyan');
    const old = 'pat-na1-cyan-before-rotation-001';
    const fresh = 'pat-na1-cyan-after-rotation-0001';
    const connection = await hubspot('cyan', old);
    const before = leadCreated('cyan');
    await h.publish(before);
    await h.waitForStatus('cyan', before.detail.leadId, connection.id, (s) => s.state === 'synced');

    await h.updateConnection('cyan', connection, { credentials: { accessToken: fresh } });
    h.fake.configure({ rejectTokens: [old] });
    const after = leadCreated('cyan');
    await h.publish(after);
    const synced = await h.waitForStatus(
      'cyan',
      after.detail.leadId,
      connection.id,
      (s) => s.state !== 'pending',
    );

    expect(synced).toMatchObject({ state: 'synced', leadVersion: 1 });
    expect(synced.lastError).toBeUndefined();
    const email = after.detail.lead.fields.email!.toLowerCase();
    const refused = h.fake.requests({ token: old }).filter((r) => r.status === 401);
    expect(refused.flatMap((r) => r.emails)).toEqual([email]);
    expect(h.fake.requests({ token: fresh }).flatMap((r) => r.emails)).toEqual([email]);
  });

  it('when HubSpot rejects the token, then the lead shows failed and its change waits; after the tenant rotates the token, it syncs with the new one', async () => {
    await h.createTenant('teal');
    const old = 'pat-na1-teal-revoked-token-00001';
    const fresh = 'pat-na1-teal-rotated-token-00001';
    h.fake.configure({ rejectTokens: [old] });
    const connection = await hubspot('teal', old);
    const lead = leadCreated('teal');
    await h.publish(lead);
    const failed = await h.waitForStatus(
      'teal',
      lead.detail.leadId,
      connection.id,
      (s) => s.state === 'failed',
    );
    expect(failed.lastError).toMatch(/401.*INVALID_AUTHENTICATION/);

    await h.updateConnection('teal', connection, { credentials: { accessToken: fresh } });
    await h.waitForStatus(
      'teal',
      lead.detail.leadId,
      connection.id,
      (s) => s.state === 'synced',
      30_000,
    );
    expect(h.fake.requests({ token: fresh }).flatMap((r) => r.emails)).toEqual([
      lead.detail.lead.fields.email!.toLowerCase(),
    ]);
    expect(h.logs.join('\n')).not.toContain(fresh);
    expect(h.logs.join('\n')).not.toContain(old);
  });
});
