import { envelope } from '@leadflow/contracts';
import {
  parseLeadEvent,
  PoisonMessageError,
  toSyncItem,
  withoutWaitingSince,
  withWaitingSince,
} from '../sync-event';

const leadId = '01JDQ5B2C3D4E5F6G7H8J9K0MN';
const snapshot = {
  id: leadId,
  status: 'new',
  source: 'form',
  fields: { email: 'a@example.com' },
  custom: {},
  isTest: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 2,
};
const delivered = (detailType: string, detail: unknown, source = 'leadflow.leads') =>
  JSON.stringify({
    id: 'e1',
    source,
    'detail-type': detailType,
    time: '2026-01-01T00:00:00Z',
    detail,
  });

describe('parseLeadEvent', () => {
  it('when a lead.updated arrives as EventBridge delivers it, then it becomes a change of that version', () => {
    const detail = {
      ...envelope('t1'),
      leadId,
      version: 2,
      changedFields: ['email'],
      lead: snapshot,
    };
    const event = parseLeadEvent(delivered('lead.updated', detail));
    expect(toSyncItem(event)).toMatchObject({
      leadId,
      version: 2,
      eventId: detail.eventId,
      detailType: 'lead.updated',
      changedFields: ['email'],
      lead: snapshot,
    });
  });

  it('when a lead.erased arrives, then the change carries no lead data', () => {
    const event = parseLeadEvent(
      delivered('lead.erased', { ...envelope('t1'), leadId, version: 3 }),
    );
    const item = toSyncItem(event);
    expect(item.detailType).toBe('lead.erased');
    expect(item.lead).toBeUndefined();
  });

  it('when a lead.deleted arrives, then it is read, and never made a change for a CRM', () => {
    const event = parseLeadEvent(
      delivered('lead.deleted', { ...envelope('t1'), leadId, version: 3 }),
    );
    expect(event).toMatchObject({ detailType: 'lead.deleted', detail: { leadId, version: 3 } });
    expect(() => toSyncItem(event)).toThrow(/not sent to a CRM/);
  });

  it('when a change is re-sent to wait for a rate limit, then the copy tells since when it waits, and keeps the event', () => {
    const body = delivered('lead.erased', { ...envelope('t1'), leadId, version: 3 });
    const since = Date.parse('2026-01-01T00:00:05.000Z');

    const copy = parseLeadEvent(withWaitingSince(body, since));

    expect(parseLeadEvent(body).waitingSince).toBeUndefined();
    expect(copy).toEqual({ ...parseLeadEvent(body), waitingSince: since });
    expect(
      parseLeadEvent(body.replace(/}$/, ',"crm-sync-waiting-since":"soon"}')).waitingSince,
    ).toBeUndefined();
  });

  it('when a change is redriven, then its wait starts afresh, and a body that is not an event moves as it is', () => {
    const body = delivered('lead.erased', { ...envelope('t1'), leadId, version: 3 });
    const waiting = withWaitingSince(body, Date.parse('2026-01-01T00:00:05.000Z'));

    expect(parseLeadEvent(withoutWaitingSince(waiting))).toEqual(parseLeadEvent(body));
    expect(withoutWaitingSince(body)).toBe(body);
    expect(withoutWaitingSince('not json')).toBe('not json');
    expect(withoutWaitingSince('[1]')).toBe('[1]');
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another source', delivered('lead.created', {}, 'leadflow.ingestion'), /source/],
    [
      'an unexpected type',
      delivered('lead.restored', { ...envelope('t1'), leadId, version: 1 }),
      /detail-type/,
    ],
    [
      'a detail off its contract',
      delivered('lead.created', { ...envelope('t1'), leadId, version: 'x' }),
      /schema/,
    ],
    [
      'a snapshot of another version',
      delivered('lead.updated', {
        ...envelope('t1'),
        leadId,
        version: 3,
        changedFields: [],
        lead: snapshot,
      }),
      /snapshot/,
    ],
  ])('when the message is %s, then it is poison', (_case, body, message) => {
    expect(() => parseLeadEvent(body)).toThrow(PoisonMessageError);
    expect(() => parseLeadEvent(body)).toThrow(message);
  });
});
