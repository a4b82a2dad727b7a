import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { defineOperation, named } from '@leadflow/core';

export const RedriveBody = Type.Object(
  {
    maxMessages: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        default: 1_000,
        description: 'Move at most this many messages (the rest stay in the dead-letter queue).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RedriveRequest = Static<typeof RedriveBody>;

export const RedriveResultSchema = named(
  'CrmSyncRedriveResult',
  Type.Object(
    {
      moved: Type.Integer({
        minimum: 0,
        description: 'Messages sent back to the crm-sync queue and removed from its DLQ.',
      }),
      failed: Type.Integer({
        minimum: 0,
        description: 'Messages that could not be moved; they stay in the DLQ.',
      }),
    },
    { additionalProperties: false },
  ),
);
export type RedriveResult = Static<typeof RedriveResultSchema>;

export const redriveOperation = defineOperation({
  method: 'post',
  path: '/v1/crm-sync/redrive',
  operationId: 'redriveCrmSync',
  summary: 'Move failed CRM sync messages back to the queue',
  description:
    'Lead changes that kept failing (a CRM outage longer than the retries, a CRM that never answers, a rejected credential since fixed) wait in the dead-letter queue of crm-sync; waiting for a CRM (its rate limit, a free slot while it is slow, another attempt at the same lead) puts a change there only after CRM_SYNC_MAX_RATE_LIMIT_WAIT_SECONDS (24 h) of waiting. This sends them back to the crm-sync queue with their body and attributes unchanged, except that a change’s wait starts afresh, so the worker tries them again; changes already synced meanwhile are skipped. Platform administrators only.',
  tags: ['crm-sync'],
  auth: requires('crm-sync:redrive', { tenantRequired: false }),
  body: RedriveBody,
  bodyExample: { maxMessages: 500 },
  responses: {
    200: {
      description: 'What was moved.',
      schema: RedriveResultSchema,
      example: { moved: 42, failed: 0 },
    },
  },
});

export const redriveOperations = [redriveOperation];
