import { AppError } from '@leadflow/core';
import type { LeadRecord } from '../lead.record';
import { LeadRepository, type LeadWrite } from '../lead.repository';
import { cancelled, ok, scriptedDynamoDB, type ScriptedAnswer } from '@leadflow/testing';

const lead: LeadRecord = {
  leadId: '01JDQ6C3D4E5F6G7H8J9K0MNPQ',
  tenantId: 'acme',
  status: 'new',
  source: 'manual',
  fields: { email: 'jane@example.com' },
  custom: {},
  consents: [],
  isTest: false,
  version: 2,
  createdAt: '2026-11-26T09:12:00.000Z',
  updatedAt: '2026-11-26T09:13:00.000Z',
};
/** A change of the lead, as PATCH makes it: transaction items lead, then claim. */
const patch: LeadWrite = { lead, expectedVersion: 1, claimEmail: 'jane@example.com' };

function repositoryAnswering(answers: ScriptedAnswer[]) {
  const { db, given, sent } = scriptedDynamoDB(answers);
  const transactions = () =>
    sent.filter((request) => request.target.endsWith('.TransactWriteItems'));
  const tokens = () => transactions().map((request) => request.body.ClientRequestToken);
  const givenTokens = () => given.map((input) => input.ClientRequestToken);
  return { leads: new LeadRepository(db, 'leads'), transactions, tokens, givenTokens };
}

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : error);

describe('LeadRepository.write against a DynamoDB that races and loses answers', () => {
  it('when a transaction is cancelled only for a TransactionConflict, then it is made again, with a new token, and succeeds', async () => {
    const { leads, transactions, givenTokens } = repositoryAnswering([
      cancelled('TransactionConflict', 'None'),
      ok,
    ]);
    await leads.write(patch);
    expect(transactions()).toHaveLength(2);
    expect(transactions()[1]!.body.TransactItems).toEqual(transactions()[0]!.body.TransactItems);
    const [first, second] = givenTokens();
    expect(first).toEqual(expect.any(String));
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
  });

  it('when the retry after a TransactionConflict meets the other write (the version moved on), then 412', async () => {
    const { leads, transactions } = repositoryAnswering([
      cancelled('TransactionConflict', 'None'),
      cancelled('ConditionalCheckFailed', 'None'),
    ]);
    await expect(leads.write(patch).catch(codeOf)).resolves.toBe('precondition_failed');
    expect(transactions()).toHaveLength(2);
  });

  it('when TransactionConflicts keep cancelling the transaction, then it gives up after a few tries with 409', async () => {
    const { leads, transactions } = repositoryAnswering(
      Array.from({ length: 10 }, () => cancelled('TransactionConflict', 'TransactionConflict')),
    );
    await expect(leads.write(patch).catch(codeOf)).resolves.toBe('conflict');
    expect(transactions().length).toBeGreaterThan(1);
    expect(transactions().length).toBeLessThan(10);
  });

  it('when a condition failed besides a TransactionConflict, then the condition answers at once', async () => {
    const { leads, transactions } = repositoryAnswering([
      cancelled('ConditionalCheckFailed', 'TransactionConflict'),
    ]);
    await expect(leads.write(patch).catch(codeOf)).resolves.toBe('precondition_failed');
    expect(transactions()).toHaveLength(1);
  });

  it('when the answer to a transaction is lost, then the SDK sends it again with the ClientRequestToken the write chose', async () => {
    const { leads, transactions, tokens, givenTokens } = repositoryAnswering([
      'connection lost',
      ok,
    ]);
    await leads.write(patch);
    expect(transactions()).toHaveLength(2);
    // Chosen by the write, not left to the SDK's serialiser to make up.
    expect(givenTokens()).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(tokens()).toEqual([givenTokens()[0], givenTokens()[0]]);
  });
});
