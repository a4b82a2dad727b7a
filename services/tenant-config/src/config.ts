import { Type, type Static } from '@sinclair/typebox';
import { AuthConfigSchema } from '@leadflow/auth';
import { baseConfigSchema, Env } from '@leadflow/core';

export const TenantConfigConfigSchema = Type.Composite([
  baseConfigSchema(3004),
  AuthConfigSchema,
  Type.Object({
    TENANTS_TABLE: Env.string(
      'DynamoDB table of tenants, forms, API keys, CRM connections and members',
    ),
  }),
]);

export type TenantConfigConfig = Static<typeof TenantConfigConfigSchema>;
