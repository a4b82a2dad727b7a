import type { SyncStatusItem } from '@leadflow/contracts';
import type { SyncItem } from '../connector';
import type { CrmRequest, CrmResponse } from '../crm-http';
import { hubspotConnector } from '../hubspot.connector';
import { changeOf, contextFor, crmAnswer, leadSnapshot, testConnection } from './fixtures';

const connection = testConnection('hubspot', { email: 'email', lastName: 'lastname' });

/** A change of lead n; with `contactId`, a lead an earlier sync recorded that contact for. */
function item(n: number, email: string | undefined, contactId?: string): SyncItem {
  const previous: SyncStatusItem | undefined = contactId
    ? {
        connectionId: connection.connectionId,
        crmType: 'hubspot',
        state: 'synced',
        externalId: contactId,
        lastAttemptAt: '2026-01-01T00:00:00.000Z',
        leadVersion: 1,
        syncedVersion: 1,
      }
    : undefined;
  return changeOf(leadSnapshot(n, { ...(email ? { email } : {}), lastName: `L${n}` }, 2), {
    eventId: `EV${n}`,
    changedFields: ['email'],
    ...(previous ? { previous } : {}),
  });
}

/** HubSpot's answer, its error summarised as crm-http does. */
const answer = (status: number, body?: unknown): CrmResponse => {
  const record = (body ?? {}) as { category?: string; message?: string };
  const summary = [record.category, record.message].filter(Boolean).join(': ');
  return crmAnswer(status, body, {}, status >= 300 ? summary : undefined);
};

interface Input {
  id: string;
  idProperty?: string;
  objectWriteTraceId: string;
  properties: Record<string, string>;
}
const inputsOf = (request: CrmRequest) => (request.json as { inputs: Input[] }).inputs;
const endpointOf = (request: CrmRequest) => request.url.split('/').pop();

/** HubSpot writing every input: an update keeps its id, an upsert gets a new one. */
const writesAll = (request: CrmRequest) =>
  answer(200, {
    status: 'COMPLETE',
    results: inputsOf(request).map((input, i) => ({
      id: endpointOf(request) === 'update' ? input.id : `${900 + i}`,
      properties: { email: input.properties.email ?? input.id },
      objectWriteTraceId: input.objectWriteTraceId,
    })),
  });

const conflict = (existingId: string) =>
  answer(409, {
    status: 'error',
    message: `Contact already exists. Existing ID: ${existingId}`,
    category: 'OBJECT_ALREADY_EXISTS',
    error: 'CONTACT_EXISTS',
  });

const notFound = answer(404, {
  status: 'error',
  message: 'Could not get some CONTACT objects, they may be deleted or not exist.',
  category: 'OBJECT_NOT_FOUND',
});

describe('HubSpot connector, a lead synced before', () => {
  it('when its e-mail changes, then its recorded contact is updated by id with the new e-mail', async () => {
    const context = contextFor(connection, writesAll);

    const results = await hubspotConnector.upsert(context, [item(1, 'New@x.com', '501')]);

    expect(context.sent.map(endpointOf)).toEqual(['update']);
    expect(inputsOf(context.sent[0]!)).toEqual([
      {
        id: '501',
        objectWriteTraceId: 'LEAD1',
        properties: { email: 'new@x.com', lastname: 'L1' },
      },
    ]);
    expect(results).toEqual([{ state: 'synced', externalId: '501' }]);
  });

  it('when it arrives with leads never synced, then it is updated by id and they are upserted by e-mail', async () => {
    const context = contextFor(connection, writesAll);

    const results = await hubspotConnector.upsert(context, [
      item(1, 'a@x.com'),
      item(2, 'b@x.com', '502'),
    ]);

    expect(context.sent.map((r) => [endpointOf(r), inputsOf(r).map((i) => i.id)])).toEqual([
      ['update', ['502']],
      ['upsert', ['a@x.com']],
    ]);
    expect(results).toEqual([
      { state: 'synced', externalId: '900' },
      { state: 'synced', externalId: '502' },
    ]);
  });

  it('when its new e-mail belongs to another contact, then it fails naming the conflict and nothing is written by e-mail', async () => {
    const context = contextFor(connection, () => conflict('777'));

    const results = await hubspotConnector.upsert(context, [item(1, 'taken@x.com', '501')]);

    expect(context.sent.map(endpointOf)).toEqual(['update']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ state: 'failed' });
    expect(results[0]).not.toHaveProperty('externalId');
    expect((results[0] as { error: string }).error).toMatch(
      /^HubSpot batch update answered 409: OBJECT_ALREADY_EXISTS: Contact already exists\. Existing ID: 777 \(the lead's new e-mail belongs to another HubSpot contact/,
    );
  });

  it('when one update of a batch meets that conflict, then halving fails only that lead', async () => {
    const context = contextFor(connection, (request) =>
      inputsOf(request).some((input) => input.id === '502') ? conflict('777') : writesAll(request),
    );

    const results = await hubspotConnector.upsert(context, [
      item(1, 'a@x.com', '501'),
      item(2, 'taken@x.com', '502'),
      item(3, 'c@x.com', '503'),
    ]);

    expect(results.map((r) => r.state)).toEqual(['synced', 'failed', 'synced']);
    expect(context.sent.every((r) => endpointOf(r) === 'update')).toBe(true);
  });

  it('when HubSpot no longer has its contact, then it is written by e-mail instead', async () => {
    const context = contextFor(connection, (request) =>
      endpointOf(request) === 'update' ? notFound : writesAll(request),
    );

    const results = await hubspotConnector.upsert(context, [item(1, 'a@x.com', '501')]);

    expect(context.sent.map((r) => [endpointOf(r), inputsOf(r).map((i) => i.id)])).toEqual([
      ['update', ['501']],
      ['upsert', ['a@x.com']],
    ]);
    expect(results).toEqual([{ state: 'synced', externalId: '900' }]);
  });

  it('when a 207 names its contact as not found, then only it is written by e-mail', async () => {
    const context = contextFor(connection, (request) => {
      if (endpointOf(request) === 'upsert') return writesAll(request);
      const [kept, gone] = inputsOf(request);
      return answer(207, {
        status: 'COMPLETE',
        results: [{ id: kept!.id, objectWriteTraceId: kept!.objectWriteTraceId }],
        errors: [{ category: 'OBJECT_NOT_FOUND', objectWriteTraceId: gone!.objectWriteTraceId }],
      });
    });

    const results = await hubspotConnector.upsert(context, [
      item(1, 'a@x.com', '501'),
      item(2, 'b@x.com', '502'),
    ]);

    expect(context.sent.map((r) => [endpointOf(r), inputsOf(r).map((i) => i.id)])).toEqual([
      ['update', ['501', '502']],
      ['upsert', ['b@x.com']],
    ]);
    expect(results).toEqual([
      { state: 'synced', externalId: '501' },
      { state: 'synced', externalId: '900' },
    ]);
  });

  it('when its e-mail was removed, then its contact is still updated by id, the mapped e-mail cleared', async () => {
    const context = contextFor(connection, writesAll);

    const results = await hubspotConnector.upsert(context, [item(1, undefined, '501')]);

    expect(context.sent.map((r) => [endpointOf(r), inputsOf(r)])).toEqual([
      [
        'update',
        [expect.objectContaining({ id: '501', properties: { email: '', lastname: 'L1' } })],
      ],
    ]);
    expect(results).toEqual([{ state: 'synced', externalId: '501' }]);
  });

  it('when its e-mail was removed and HubSpot no longer has its contact, then it fails: there is nothing to make a new one with', async () => {
    const context = contextFor(connection, (request) =>
      endpointOf(request) === 'update' ? notFound : writesAll(request),
    );

    const results = await hubspotConnector.upsert(context, [
      item(1, undefined, '501'),
      item(2, 'b@x.com', '502'),
    ]);

    expect(context.sent.map((r) => [endpointOf(r), inputsOf(r).map((i) => i.id)])).toEqual([
      ['update', ['501', '502']],
      ['update', ['501']],
      ['update', ['502']],
      ['upsert', ['b@x.com']],
    ]);
    expect(results).toEqual([
      { state: 'failed', error: expect.stringMatching(/contact was deleted.*no e-mail/) },
      { state: 'synced', externalId: '900' },
    ]);
  });

  it('when two leads share one recorded contact, then they go in separate calls (HubSpot refuses duplicate ids)', async () => {
    const context = contextFor(connection, writesAll);

    await hubspotConnector.upsert(context, [item(1, 'a@x.com', '501'), item(2, 'a@x.com', '501')]);

    expect(context.sent.map((r) => inputsOf(r).map((i) => i.id))).toEqual([['501'], ['501']]);
  });
});

describe('HubSpot connector, an answer that leaves a contact out', () => {
  it('when a 200 has no result for a contact, then it is retried as possibly applied, and the others are synced', async () => {
    const context = contextFor(connection, (request) =>
      answer(200, {
        status: 'COMPLETE',
        results: [
          {
            id: '900',
            properties: { email: 'one@x.com' },
            objectWriteTraceId: inputsOf(request)[0]!.objectWriteTraceId,
          },
        ],
      }),
    );

    const results = await hubspotConnector.upsert(context, [
      item(1, 'one@x.com'),
      item(2, 'two@x.com'),
    ]);

    expect(results).toEqual([
      { state: 'synced', externalId: '900' },
      {
        state: 'retry',
        error: 'HubSpot answered without a result for this contact',
        unanswered: true,
      },
    ]);
  });
});
