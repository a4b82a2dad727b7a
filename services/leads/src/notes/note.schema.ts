import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { defineOperation, named, pageOf, PaginationQuery } from '@leadflow/core';
import { LeadParams } from '../leads/lead.schema';

export const NoteSchema = named(
  'Note',
  Type.Object(
    {
      id: Type.String(),
      body: Type.String(),
      authorId: Type.String({ description: 'The member who wrote it.' }),
      createdAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type Note = Static<typeof NoteSchema>;

const exampleNote: Note = {
  id: '01JDQ7D4E5F6G7H8J9K0MNPQRS',
  body: 'Called, interested in the pro plan. Follow up Monday.',
  authorId: '3f1c2e4a-8b9d-4c1e-9f2a-7d6b5c4a3e21',
  createdAt: '2026-11-26T11:00:00.000Z',
};

export const listNotesOperation = defineOperation({
  method: 'get',
  path: '/v1/leads/{leadId}/notes',
  operationId: 'listLeadNotes',
  summary: 'A lead’s notes, newest first',
  tags: ['leads'],
  auth: requires('leads:read'),
  params: LeadParams,
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of notes.',
      schema: pageOf(NoteSchema, 'A page of notes.'),
      example: { items: [exampleNote], nextCursor: null },
    },
  },
  errors: [404],
});

export const addNoteOperation = defineOperation({
  method: 'post',
  path: '/v1/leads/{leadId}/notes',
  operationId: 'addLeadNote',
  summary: 'Add a note to a lead',
  description:
    'The note also appears on the lead’s timeline. Agents may add notes to their own and unassigned leads.',
  tags: ['leads'],
  auth: requires('notes:write'),
  params: LeadParams,
  body: Type.Object(
    { body: Type.String({ minLength: 1, maxLength: 5000 }) },
    { additionalProperties: false },
  ),
  bodyExample: { body: 'Called, interested in the pro plan. Follow up Monday.' },
  responses: { 201: { description: 'Added.', schema: NoteSchema, example: exampleNote } },
  errors: [404, 409],
});

export const noteOperations = [listNotesOperation, addNoteOperation];
