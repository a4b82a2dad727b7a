import { Type, type Static } from '@sinclair/typebox';
import { AuthConfigSchema } from '@leadflow/auth';
import { baseConfigSchema, Env } from '@leadflow/core';

export const CrmSyncConfigSchema = Type.Composite([
  baseConfigSchema(3003),
  AuthConfigSchema,
  Type.Object({
    LEADS_TABLE: Env.string('DynamoDB table of leads, where sync status is written'),
    TENANTS_TABLE: Env.string('DynamoDB table of CRM connections'),
    CRM_SYNC_QUEUE_URL: Env.url('SQS queue of lead changes to push to CRMs'),
    CRM_SYNC_DLQ_URL: Env.url('Dead-letter queue of crm-sync, emptied by the redrive operation'),
    SECRETS_PREFIX: Env.string('Secrets Manager name prefix of CRM credentials'),
  }),
]);

export type CrmSyncConfig = Static<typeof CrmSyncConfigSchema>;
