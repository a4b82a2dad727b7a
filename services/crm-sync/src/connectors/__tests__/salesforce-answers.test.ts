import type { SyncStatusItem } from '@leadflow/contracts';
import { resultOfError, type SyncItem } from '../connector';
import type { CrmResponse } from '../crm-http';
import { salesforceConnector } from '../salesforce.connector';
import { changeOf, contextFor, crmAnswer, leadSnapshot, testConnection } from './fixtures';

const connection = testConnection('salesforce', {
  email: 'Email',
  lastName: 'LastName',
  company: 'Company',
});

function synced(externalId: string): SyncStatusItem {
  return {
    connectionId: connection.connectionId,
    crmType: 'salesforce',
    state: 'synced',
    leadVersion: 1,
    lastAttemptAt: '2026-01-01T00:00:00.000Z',
    externalId,
  };
}

const created = (n: number, previous?: SyncStatusItem): SyncItem =>
  changeOf(leadSnapshot(n, { email: `l${n}@x.com`, lastName: `L${n}` }), {
    eventId: `EV${n}`,
    ...(previous ? { previous } : {}),
  });

function erased(n: number, previous?: SyncStatusItem): SyncItem {
  return {
    leadId: `LEAD${n}`,
    version: 2,
    eventId: `ER${n}`,
    detailType: 'lead.erased',
    occurredAt: '2026-01-02T00:00:00.000Z',
    changedFields: [],
    ...(previous ? { previous } : {}),
  };
}

const json = (status: number, body: unknown): CrmResponse =>
  crmAnswer(status, body, { 'content-type': 'application/json' });

/** What crm-http makes of a body that is not JSON: the text, and no parsed body. */
function html(status: number): CrmResponse {
  return {
    status,
    headers: { 'content-type': 'text/html' },
    text: '<html>Service temporarily unavailable</html>',
    body: undefined,
    errorSummary: undefined,
  };
}

const saved = (id: string) => ({ id, success: true, errors: [] });
const refused = (statusCode: string, message: string, fields: string[] = []) => ({
  id: null,
  success: false,
  errors: [{ statusCode, message, fields }],
});

/** Salesforce refusing a record as a duplicate of `recordId`. */
const duplicateOf = (recordId: string) => ({
  id: null,
  success: false,
  errors: [
    {
      statusCode: 'DUPLICATES_DETECTED',
      message: 'Use one of these records?',
      duplicateResult: { matchResults: [{ matchRecords: [{ record: { Id: recordId } }] }] },
    },
  ],
});

/** What the lane records for a request that may have been applied: retried, the lead held. */
const mayHaveBeenApplied = {
  state: 'retry',
  error: expect.stringMatching(/^Salesforce (upsert|update|delete) answered 2\d\d \(/),
  unanswered: true,
};

describe('Salesforce connector: answers Salesforce did not really give', () => {
  it.each([
    ['a proxy’s HTML page', html(200)],
    ['an empty body', { ...html(200), headers: {}, text: '' }],
    ['JSON of another shape', json(200, { records: [saved('00Q1'), saved('00Q2')] })],
    ['fewer results than records', json(200, [saved('00Q1')])],
    ['more results than records', json(200, [saved('00Q1'), saved('00Q2'), saved('00Q3')])],
    ['a success without the record id', json(200, [saved('00Q1'), { success: true }])],
    ['a failure without its errors', json(200, [saved('00Q1'), { id: null, success: false }])],
    ['a result that is not an object', json(200, [saved('00Q1'), null])],
  ])(
    'when an upsert is answered 200 with %s, then every record is retried as possibly applied',
    async (_what, response) => {
      const context = contextFor(connection, () => response);

      const results = await salesforceConnector.upsert(context, [created(1), created(2)]);

      expect(results).toEqual([mayHaveBeenApplied, mayHaveBeenApplied]);
      expect(context.sent).toHaveLength(1);
    },
  );

  it('when the answer to the re-create is unreadable, then the records saved before keep their result', async () => {
    const missing = refused('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Company]', [
      'Company',
    ]);
    const context = contextFor(connection, (request) =>
      (request.json as { records: unknown[] }).records.length === 2
        ? json(200, [missing, saved('00Q2')])
        : html(200),
    );

    const results = await salesforceConnector.upsert(context, [
      created(1, synced('00Q1')),
      created(2, synced('00Q2')),
    ]);

    expect(results).toEqual([mayHaveBeenApplied, { state: 'synced', externalId: '00Q2' }]);
  });

  it('when the answer to linking a duplicate is unreadable, then that record is retried as possibly applied', async () => {
    const duplicate = duplicateOf('00QDUP');
    const context = contextFor(connection, (request) => {
      if (request.url.endsWith('/Leadflow_Id__c')) return json(200, [duplicate, saved('00Q2')]);
      if (request.method === 'GET') return json(200, [{ Id: '00QDUP', Leadflow_Id__c: null }]);
      return json(200, []);
    });

    const results = await salesforceConnector.upsert(context, [created(1), created(2)]);

    expect(results).toEqual([mayHaveBeenApplied, { state: 'synced', externalId: '00Q2' }]);
    expect(context.sent.map((request) => request.method)).toEqual(['PATCH', 'GET', 'PATCH']);
  });

  it('when the read of a duplicate’s holder is unreadable, then the lead is retried, with no hold: nothing was written', async () => {
    const context = contextFor(connection, (request) =>
      request.url.endsWith('/Leadflow_Id__c')
        ? json(200, [duplicateOf('00QDUP'), saved('00Q2')])
        : html(200),
    );

    const results = await salesforceConnector.upsert(context, [created(1), created(2)]);

    expect(results).toEqual([
      {
        state: 'retry',
        error: expect.stringMatching(/^Salesforce read of duplicates answered 200/),
      },
      { state: 'synced', externalId: '00Q2' },
    ]);
  });

  it('when the records’ own errors come back, then they keep their classification', async () => {
    const context = contextFor(connection, () =>
      json(200, [
        refused('UNABLE_TO_LOCK_ROW', 'locked'),
        refused('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'no'),
      ]),
    );

    expect(await salesforceConnector.upsert(context, [created(1), created(2)])).toEqual([
      { state: 'retry', error: 'UNABLE_TO_LOCK_ROW: locked' },
      { state: 'failed', error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: no' },
    ]);
  });

  it.each([
    ['a proxy’s HTML page', html(200)],
    ['fewer results than ids', json(200, [saved('00Q1')])],
  ])(
    'when an erasure by record id is answered 200 with %s, then it is retried as possibly applied, never done or failed',
    async (_what, response) => {
      const context = contextFor(connection, () => response);

      const outcome = await salesforceConnector
        .erase(context, [erased(1, synced('00Q1')), erased(2, synced('00Q2'))])
        .then(
          (results) => ({ results }),
          (error: unknown) => ({ results: [resultOfError(error), resultOfError(error)] }),
        );

      expect(outcome.results).toEqual([mayHaveBeenApplied, mayHaveBeenApplied]);
    },
  );

  it('when a record erased by id is already gone, then the erasure is done', async () => {
    const context = contextFor(connection, () =>
      json(200, [saved('00Q1'), refused('ENTITY_IS_DELETED', 'entity is deleted')]),
    );

    expect(
      await salesforceConnector.erase(context, [
        erased(1, synced('00Q1')),
        erased(2, synced('00Q2')),
      ]),
    ).toEqual([{ state: 'synced' }, { state: 'synced' }]);
  });

  it('when an erasure by external id is answered 200 with a page instead of 204, then it is retried as possibly applied', async () => {
    const context = contextFor(connection, () => html(200));

    expect(await salesforceConnector.erase(context, [erased(1)])).toEqual([mayHaveBeenApplied]);
    expect(context.sent[0]!.url).toBe(
      'https://crm.example.com/services/data/v60.0/sobjects/Lead/Leadflow_Id__c/LEAD1',
    );
  });

  it('when an erasure by external id is answered 204, or 404 for a Lead already gone, then it is done', async () => {
    const answers = [
      { ...html(204), headers: {}, text: '' },
      json(404, [{ errorCode: 'NOT_FOUND' }]),
    ];
    const context = contextFor(connection, () => answers.shift()!);

    expect(await salesforceConnector.erase(context, [erased(1), erased(2)])).toEqual([
      { state: 'synced' },
      { state: 'synced' },
    ]);
  });
});
