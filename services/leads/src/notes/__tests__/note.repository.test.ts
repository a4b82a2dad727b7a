import { AppError } from '@leadflow/core';
import { activity, SYSTEM } from '../../activities/activity.record';
import { cancelled, ok, scriptedDynamoDB } from '@leadflow/testing';
import { NoteRepository, type NoteRecord } from '../note.repository';

const note: NoteRecord = {
  noteId: '01JDQ7D4E5F6G7H8J9K0MNPQRS',
  body: 'Called, interested in the pro plan.',
  authorId: 'agent-1',
  createdAt: '2026-11-26T11:00:00.000Z',
};
const timeline = activity('note-added', SYSTEM, note.createdAt, { noteId: note.noteId });

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : error);

describe('NoteRepository.add against a DynamoDB where the lead changes meanwhile', () => {
  it('when the lead is erased while the note is added (its condition check fails), then 409', async () => {
    const { db } = scriptedDynamoDB([cancelled('ConditionalCheckFailed', 'None', 'None')]);
    const notes = new NoteRepository(db, 'leads');
    await expect(notes.add('acme', 'L1', note, timeline).catch(codeOf)).resolves.toBe('conflict');
  });

  it('when another write of the lead cancels the note for a TransactionConflict, then the note is added on a new try', async () => {
    const { db, sent } = scriptedDynamoDB([cancelled('TransactionConflict', 'None', 'None'), ok]);
    await new NoteRepository(db, 'leads').add('acme', 'L1', note, timeline);
    expect(sent).toHaveLength(2);
  });
});
