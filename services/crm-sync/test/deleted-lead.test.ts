import { eventually } from '@leadflow/testing';
import {
  leadCreated,
  leadDeleted,
  leadUpdated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const TOKEN = 'pat-na1-hubspot-deleted-0000001';

describe('A lead deleted, then restored', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('rstr');
    hubspot = await h.connect('rstr', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
      fieldMapping: { email: 'email', firstName: 'firstname', phone: 'phone', company: 'company' },
    });
  });
  afterAll(() => h.close());

  /** A lead synced to HubSpot, whose contact a sales rep then gave a phone and a company. */
  async function syncedLeadWithRepValues(email: string) {
    const created = leadCreated('rstr', { fields: { email, firstName: 'Ada' } });
    await h.publish(created);
    await h.waitForStatus('rstr', created.detail.leadId, hubspot.id, (s) => s.state === 'synced');
    const contact = [...h.fake.state.hubspotContacts.values()].find(
      (c) => c.token === TOKEN && c.properties.email === email,
    )!;
    contact.properties.phone = '+15550009999';
    contact.properties.company = 'Rep-entered Inc';
    return { created, contact };
  }

  /** The restore as the leads service publishes it: a lead.updated of deletedAt only. */
  function restoreOf(deleted: Parameters<typeof leadUpdated>[0], version: number) {
    const restored = leadUpdated(deleted, { version });
    restored.detail.changedFields = ['deletedAt'];
    return restored;
  }

  it('when the restore follows the deletion, then the CRM values the lead never had are kept', async () => {
    const { created, contact } = await syncedLeadWithRepValues('kept@rstr.example.com');
    const { leadId } = created.detail;
    await h.publish(leadDeleted('rstr', leadId, 2));
    await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.syncedVersion === 2);
    await h.publish(restoreOf(created, 3));
    await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.syncedVersion === 3);
    expect(contact.properties).toMatchObject({
      firstname: 'Ada',
      phone: '+15550009999',
      company: 'Rep-entered Inc',
    });
  });

  it('when a change before the deletion never reached the CRM, then the deletion leaves the gap, and the restore sends every field', async () => {
    const { created, contact } = await syncedLeadWithRepValues('gap@rstr.example.com');
    const { leadId } = created.detail;
    // Version 2 (a change lost on the way) never arrives; the deletion is version 3.
    await h.publish(leadDeleted('rstr', leadId, 3));
    await eventually(async () =>
      (await h.queueDepth(h.stack.env.CRM_SYNC_QUEUE_URL!)) === 0 ? true : undefined,
    );
    await h.publish(restoreOf(created, 4));
    const status = await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.syncedVersion === 4);
    expect(status.state).toBe('synced');
    // Every mapped field went, so those the lead lacks were emptied: what a change in the gap may have done.
    expect(contact.properties.phone ?? '').toBe('');
  });

  it('when the deletion arrives while an edit before it is still on its way to the CRM, then it waits for the edit, and the restore keeps the CRM values', async () => {
    const { created, contact } = await syncedLeadWithRepValues('inflight@rstr.example.com');
    const { leadId } = created.detail;
    h.fake.slowDown({ crm: 'hubspot', delayMs: 3_000 });
    const edited = leadUpdated(created, { fields: { firstName: 'Ada Edited' }, version: 2 });
    await h.publish(edited);
    await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.leadVersion === 2);
    await h.publish(leadDeleted('rstr', leadId, 3));
    await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.syncedVersion === 3, 30_000);
    await h.publish(restoreOf(edited, 4));
    await h.waitForStatus('rstr', leadId, hubspot.id, (s) => s.syncedVersion === 4);
    expect(contact.properties).toMatchObject({
      firstname: 'Ada Edited',
      phone: '+15550009999',
      company: 'Rep-entered Inc',
    });
  });
});
