import { Type, type Static } from '@sinclair/typebox';
import { AuthConfigSchema } from '@leadflow/auth';
import { baseConfigSchema, Env } from '@leadflow/core';

export const LeadsConfigSchema = Type.Composite([
  baseConfigSchema(3002),
  AuthConfigSchema,
  Type.Object({
    LEADS_TABLE: Env.string('DynamoDB table of leads, notes, activities and the outbox'),
    TENANTS_TABLE: Env.string(
      'DynamoDB table of tenant settings (lead schema, pipeline, assignment rules)',
    ),
    EVENT_BUS_NAME: Env.string(
      'EventBridge bus that receives lead.created, lead.updated, lead.erased',
    ),
    LEAD_INTAKE_QUEUE_URL: Env.url('SQS queue of lead.received events'),
  }),
]);

export type LeadsConfig = Static<typeof LeadsConfigSchema>;
