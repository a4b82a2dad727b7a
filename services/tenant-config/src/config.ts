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
    EVENT_BUS_NAME: Env.string('EventBridge bus that receives tenant.config.updated'),
    ASSETS_BUCKET: Env.string('S3 bucket of published form configs and branding assets'),
    ASSETS_PUBLIC_URL: Env.url(
      'Public base URL of the assets bucket (the CloudFront distribution), without trailing slash',
    ),
    COGNITO_USER_POOL_ID: Env.string('Cognito user pool of tenant members'),
    SECRETS_PREFIX: Env.string(
      'Secrets Manager name prefix of CRM credentials, e.g. leadflow/prod/',
    ),
  }),
]);

export type TenantConfigConfig = Static<typeof TenantConfigConfigSchema>;
