import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, Env } from '@leadflow/core';

export const IngestionConfigSchema = Type.Composite([
  baseConfigSchema(3001),
  Type.Object({
    TENANTS_TABLE: Env.string('DynamoDB table of tenants: published forms and API keys'),
    RUNTIME_TABLE: Env.string('DynamoDB table of idempotency records and rate-limit counters'),
    EVENT_BUS_NAME: Env.string('EventBridge bus that receives lead.received'),
    ASSETS_BUCKET: Env.string('S3 bucket of published form configs'),
  }),
]);

export type IngestionConfig = Static<typeof IngestionConfigSchema>;
