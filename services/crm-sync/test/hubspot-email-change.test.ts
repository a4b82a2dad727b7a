import type { HubSpotContact } from '../fake-crm/fake-state';
import {
  leadCreated,
  leadErased,
  leadUpdated,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

const TOKEN = 'pat-na1-hubspot-email-00000000001';

describe('HubSpot sync of a lead whose e-mail changes', () => {
  let h: CrmSyncHarness;
  let hubspot: ConnectionRef;

  beforeAll(async () => {
    h = await startCrmSyncHarness();
    await h.createTenant('hsmail');
    hubspot = await h.connect('hsmail', {
      type: 'hubspot',
      name: 'HubSpot',
      baseUrl: h.fake.baseUrl,
      credentials: { accessToken: TOKEN },
      fieldMapping: {
        email: 'email',
        firstName: 'firstname',
        lastName: 'lastname',
        phone: 'phone',
      },
    });
  });
  afterAll(() => h.close());

  const contacts = () =>
    [...h.fake.state.hubspotContacts.values()].filter((c) => c.token === TOKEN);
  const contactOf = (email: string) => contacts().find((c) => c.properties.email === email);

  /** A contact HubSpot's users made, which no lead produced. */
  function seedContact(properties: Record<string, string>): HubSpotContact {
    const id = String(h.fake.state.nextId());
    const now = new Date().toISOString();
    const contact = { token: TOKEN, id, properties, createdAt: now, updatedAt: now, writes: 1 };
    h.fake.state.hubspotContacts.set(id, contact);
    return contact;
  }

  async function syncedLead(fields: Record<string, string>) {
    const created = leadCreated('hsmail', { fields });
    await h.publish(created);
    const status = await h.waitForStatus(
      'hsmail',
      created.detail.leadId,
      hubspot.id,
      (s) => s.state === 'synced',
    );
    return { created, contactId: status.externalId! };
  }

  const settled = (leadId: string, version: number) =>
    h.waitForStatus(
      'hsmail',
      leadId,
      hubspot.id,
      (s) => s.leadVersion === version && s.state !== 'pending',
    );

  it('when a synced lead’s e-mail changes, then its one contact takes the new e-mail, and an erasure leaves nothing of it', async () => {
    const { created, contactId } = await syncedLead({
      email: 'old@hsmail.example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+4930111',
    });

    await h.publish(leadUpdated(created, { fields: { email: 'new@hsmail.example.com' } }));
    const changed = await settled(created.detail.leadId, 2);

    expect(changed).toMatchObject({ state: 'synced', externalId: contactId });
    expect(contactOf('old@hsmail.example.com')).toBeUndefined();
    expect(contactOf('new@hsmail.example.com')).toMatchObject({
      id: contactId,
      properties: {
        email: 'new@hsmail.example.com',
        firstname: 'Ada',
        lastname: 'Lovelace',
        phone: '+4930111',
      },
    });

    await h.publish(leadErased('hsmail', created.detail.leadId, 3));
    const erased = await settled(created.detail.leadId, 3);

    expect(erased.state).toBe('synced');
    expect(contacts().filter((c) => c.properties.firstname === 'Ada')).toEqual([]);
  });

  it('when the new e-mail already belongs to another contact, then the lead fails saying so, neither contact changes, and an erasure deletes only the lead’s own', async () => {
    const other = seedContact({ email: 'taken@hsmail.example.com', firstname: 'Grace' });
    const { created, contactId } = await syncedLead({
      email: 'mine@hsmail.example.com',
      firstName: 'Ada',
    });

    await h.publish(
      leadUpdated(created, { fields: { email: 'taken@hsmail.example.com', firstName: 'Ada B' } }),
    );
    const refused = await settled(created.detail.leadId, 2);

    expect(refused).toMatchObject({ state: 'failed', externalId: contactId });
    expect(refused.lastError).toMatch(/409.*Existing ID: \d+.*belongs to another HubSpot contact/);
    expect(h.fake.state.hubspotContacts.get(contactId)?.properties).toEqual({
      email: 'mine@hsmail.example.com',
      firstname: 'Ada',
    });
    expect(h.fake.state.hubspotContacts.get(other.id)?.properties).toEqual({
      email: 'taken@hsmail.example.com',
      firstname: 'Grace',
    });

    await h.publish(leadErased('hsmail', created.detail.leadId, 3));
    const erased = await settled(created.detail.leadId, 3);

    expect(erased.state).toBe('synced');
    expect(h.fake.state.hubspotContacts.has(contactId)).toBe(false);
    expect(h.fake.state.hubspotContacts.get(other.id)?.properties.firstname).toBe('Grace');
  });

  it('when the lead’s contact was deleted in HubSpot, then the next change writes it by e-mail again', async () => {
    const { created, contactId } = await syncedLead({
      email: 'deleted@hsmail.example.com',
      firstName: 'Ada',
    });
    h.fake.state.hubspotContacts.delete(contactId);

    await h.publish(leadUpdated(created, { fields: { firstName: 'Grace' } }));
    const rewritten = await settled(created.detail.leadId, 2);

    const contact = contactOf('deleted@hsmail.example.com');
    expect(contact?.properties.firstname).toBe('Grace');
    expect(rewritten).toMatchObject({ state: 'synced', externalId: contact?.id });
  });

  it('when a lead never synced has the e-mail of an existing contact, then it is linked to that contact', async () => {
    const existing = seedContact({ email: 'known@hsmail.example.com', company: 'Kept Co' });

    const { contactId } = await syncedLead({ email: 'known@hsmail.example.com', firstName: 'Ada' });

    expect(contactId).toBe(existing.id);
    expect(h.fake.state.hubspotContacts.get(existing.id)?.properties).toEqual({
      email: 'known@hsmail.example.com',
      company: 'Kept Co',
      firstname: 'Ada',
    });
  });
});
