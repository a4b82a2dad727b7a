import { Type } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { CustomValuesSchema, LeadFieldsSchema } from '@leadflow/contracts';
import { defineOperation, named, pageOf, PaginationQuery } from '@leadflow/core';
import { LeadParams } from '../leads/lead.schema';

export const ActivitySchema = named(
  'Activity',
  Type.Object(
    {
      id: Type.String(),
      type: Type.Union(
        [
          'created',
          'merged',
          'updated',
          'assigned',
          'note-added',
          'deleted',
          'restored',
          'erased',
          'resync-requested',
        ].map((t) => Type.Literal(t)),
        {
          description:
            'merged: a new submission with the same e-mail joined this lead (and restored it if it was deleted: its changes then include deletedAt).',
        },
      ),
      actor: Type.Object(
        {
          kind: Type.Union([Type.Literal('user'), Type.Literal('apiKey'), Type.Literal('system')]),
          id: Type.Optional(Type.String()),
        },
        {
          additionalProperties: false,
          description: 'Who did it: a member, an API key, or the system (intake).',
        },
      ),
      at: Type.String({ format: 'date-time' }),
      changes: Type.Optional(
        Type.Array(
          Type.Object(
            { field: Type.String(), from: Type.Unknown(), to: Type.Unknown() },
            { additionalProperties: false },
          ),
          {
            description:
              'Which fields changed, old → new (values show `[erased]` after an erasure).',
          },
        ),
      ),
      noteId: Type.Optional(Type.String()),
      submission: Type.Optional(
        Type.Object(
          {
            source: Type.String(),
            formId: Type.Optional(Type.String()),
            eventId: Type.String(),
            fields: Type.Optional(LeadFieldsSchema),
            custom: Type.Optional(CustomValuesSchema),
            context: Type.Optional(
              Type.Object(
                {
                  utm: Type.Optional(Type.Record(Type.String(), Type.String())),
                  pageUrl: Type.Optional(Type.String()),
                  referrer: Type.Optional(Type.String()),
                },
                { additionalProperties: false },
              ),
            ),
          },
          {
            additionalProperties: false,
            description:
              'merged: the submission, and what the person sent this time (its fields, custom values, campaign and page), also where the lead kept its own values. After an erasure only its source, form and event are left.',
          },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

export const listActivitiesOperation = defineOperation({
  method: 'get',
  path: '/v1/leads/{leadId}/activities',
  operationId: 'listLeadActivities',
  summary: 'A lead’s timeline, newest first',
  description:
    'Every change: who, when, which fields, old → new; every merged submission; notes; deletion, restoration and erasure.',
  tags: ['leads'],
  auth: requires('leads:read'),
  params: LeadParams,
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of activities.',
      schema: pageOf(ActivitySchema, 'A page of activities.'),
      example: {
        items: [
          {
            id: '01JDQ8E5F6G7H8J9K0MNPQRSTV',
            type: 'updated',
            actor: { kind: 'user', id: '3f1c2e4a-8b9d-4c1e-9f2a-7d6b5c4a3e21' },
            at: '2026-11-26T10:00:00.000Z',
            changes: [{ field: 'status', from: 'new', to: 'contacted' }],
          },
          {
            id: '01JDQ6C3D4E5F6G7H8J9K0MNPQ',
            type: 'created',
            actor: { kind: 'system' },
            at: '2026-11-26T09:12:00.000Z',
            submission: {
              source: 'form',
              formId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
              eventId: '01JDQ6C3D4E5F6G7H8J9K0MNPZ',
            },
          },
        ],
        nextCursor: null,
      },
    },
  },
  errors: [404],
});
