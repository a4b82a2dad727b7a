import { ulid } from 'ulid';
import { hasPermission, tenantOf } from '@leadflow/auth';
import { AppError, notFound, route, type BoundRoute } from '@leadflow/core';
import { activity, actorOf } from '../activities/activity.record';
import type { LeadService } from '../leads/lead.service';
import type { NoteRecord, NoteRepository } from './note.repository';
import { addNoteOperation, listNotesOperation, type Note } from './note.schema';

const toNote = ({ noteId, ...rest }: NoteRecord): Note => ({ id: noteId, ...rest });

export function noteRoutes(leads: LeadService, notes: NoteRepository): BoundRoute[] {
  return [
    route(listNotesOperation, async ({ principal, params, query }) => {
      const tenantId = tenantOf(principal);
      await leads.visible(tenantId, params.leadId, principal);
      const page = await notes.list(tenantId, params.leadId, query.limit ?? 25, query.cursor);
      return { status: 200, body: { items: page.items.map(toNote), nextCursor: page.nextCursor } };
    }),
    route(addNoteOperation, async ({ principal, params, body }) => {
      const tenantId = tenantOf(principal);
      const lead = await leads.visible(tenantId, params.leadId, principal);
      if (
        !hasPermission(principal, 'leads:update-all') &&
        lead.ownerId &&
        lead.ownerId !== principal?.subject
      )
        throw notFound('Lead');
      if (lead.erasedAt) throw new AppError('conflict', 'An erased lead takes no notes');
      const now = new Date().toISOString();
      const note: NoteRecord = {
        noteId: ulid(),
        body: body.body,
        authorId: principal!.subject,
        createdAt: now,
      };
      await notes.add(
        tenantId,
        lead.leadId,
        note,
        activity('note-added', actorOf(principal), now, { noteId: note.noteId }),
      );
      return { status: 201, body: toNote(note) };
    }),
  ];
}
