import type { LeadSnapshot } from '@leadflow/contracts';
import { displayName, mapLead } from '../lead-mapping';

const lead: LeadSnapshot = {
  id: '01JDQ5B2C3D4E5F6G7H8J9K0MN',
  status: 'new',
  source: 'form',
  fields: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
  custom: { budget: 5000, interests: ['crm', 'ads'], newsletter: true },
  isTest: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 3,
};

describe('mapLead', () => {
  const mapping = {
    email: 'email',
    firstName: 'firstname',
    company: 'company',
    'custom.budget': 'budget',
    'custom.interests': 'interests',
    'custom.newsletter': 'newsletter',
    'custom.gone': 'gone',
  };

  it('when fields are mapped, then standard and custom values land on their properties', () => {
    expect(mapLead(lead, mapping, [], { joinArrays: ';' })).toEqual({
      email: 'ada@example.com',
      firstname: 'Ada',
      budget: 5000,
      interests: 'crm;ads',
      newsletter: true,
    });
  });

  it('when a change emptied a field, then its property is cleared; unset ones are left alone', () => {
    expect(mapLead(lead, mapping, ['company', 'custom.gone'], { cleared: '' })).toMatchObject({
      company: '',
      gone: '',
    });
    expect(mapLead(lead, mapping, [], { cleared: '' })).not.toHaveProperty('company');
  });

  it('when arrays are not joined, then they stay arrays (webhooks)', () => {
    expect(mapLead(lead, mapping, []).interests).toEqual(['crm', 'ads']);
  });

  it('when a lead has no name, then its e-mail or id names it', () => {
    expect(displayName(lead)).toBe('Ada Lovelace');
    expect(displayName({ ...lead, fields: { email: 'x@example.com' } })).toBe('x@example.com');
    expect(displayName({ ...lead, fields: {} })).toBe(`Lead ${lead.id}`);
  });
});
