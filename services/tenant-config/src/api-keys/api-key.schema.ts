import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { defineOperation, named, pageOf, PaginationQuery, ULID_PATTERN } from '@leadflow/core';

export const ApiKeySchema = named(
  'ApiKey',
  Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
      createdAt: Type.String({ format: 'date-time' }),
      lastUsedAt: Type.Optional(
        Type.String({ format: 'date-time', description: 'Updated at most once a minute.' }),
      ),
      revokedAt: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { additionalProperties: false },
  ),
);
export type ApiKey = Static<typeof ApiKeySchema>;

export const NewApiKeySchema = named(
  'NewApiKey',
  Type.Composite(
    [
      ApiKeySchema,
      Type.Object({
        key: Type.String({ description: 'The key itself. Shown this once; store it now.' }),
      }),
    ],
    { additionalProperties: false },
  ),
);

const exampleKey: ApiKey = {
  id: '01JDQ4A2B3C4D5E6F7G8H9J0KM',
  name: 'Partner CRM import',
  prefix: 'lf_live_7hQ2…',
  createdAt: '2026-11-20T10:00:00.000Z',
};

export const listApiKeysOperation = defineOperation({
  method: 'get',
  path: '/v1/api-keys',
  operationId: 'listApiKeys',
  summary: 'List API keys (never the keys themselves)',
  tags: ['api-keys'],
  auth: requires('settings:read'),
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of keys, revoked ones included.',
      schema: pageOf(ApiKeySchema, 'A page of API keys.'),
      example: {
        items: [{ ...exampleKey, lastUsedAt: '2026-11-26T08:15:00.000Z' }],
        nextCursor: null,
      },
    },
  },
});

export const createApiKeyOperation = defineOperation({
  method: 'post',
  path: '/v1/api-keys',
  operationId: 'createApiKey',
  summary: 'Create an API key for server-to-server ingestion',
  description: `The answer is the only time the key is shown; only its SHA-256 is stored. Send it as \`X-Api-Key\` to /v1/ingest/leads.`,
  tags: ['api-keys'],
  auth: requires('settings:write'),
  body: Type.Object(
    { name: Type.String({ minLength: 1, maxLength: 100 }) },
    { additionalProperties: false },
  ),
  bodyExample: { name: 'Partner CRM import' },
  responses: {
    201: {
      description: 'Created.',
      schema: NewApiKeySchema,
      example: { ...exampleKey, key: 'lf_live_7hQ2kP9xL4mN8rT1vW3yZ6bCdEfGhJkLmNpQrStU' },
    },
  },
  errors: [409],
});

export const revokeApiKeyOperation = defineOperation({
  method: 'delete',
  path: '/v1/api-keys/{keyId}',
  operationId: 'revokeApiKey',
  summary: 'Revoke an API key',
  description: `Requests with it are refused within 30 seconds. Revoking a revoked key changes nothing.`,
  tags: ['api-keys'],
  auth: requires('settings:write'),
  params: Type.Object({ keyId: Type.String({ pattern: ULID_PATTERN }) }),
  responses: { 204: { description: 'Revoked.' } },
  errors: [404, 409],
});

export const apiKeyOperations = [
  listApiKeysOperation,
  createApiKeyOperation,
  revokeApiKeyOperation,
];
