import { tenantOf } from '@leadflow/auth';
import { route, type BoundRoute } from '@leadflow/core';
import type { ApiKeyRepository } from './api-key.repository';
import {
  createApiKeyOperation,
  listApiKeysOperation,
  revokeApiKeyOperation,
} from './api-key.schema';
import { toApiKey, type ApiKeyService } from './api-key.service';

export function apiKeyRoutes(keys: ApiKeyService, repository: ApiKeyRepository): BoundRoute[] {
  return [
    route(listApiKeysOperation, async ({ principal, query }) => {
      const page = await repository.list(tenantOf(principal), query.limit ?? 25, query.cursor);
      return {
        status: 200,
        body: { items: page.items.map(toApiKey), nextCursor: page.nextCursor },
      };
    }),
    route(createApiKeyOperation, async ({ principal, body }) => ({
      status: 201,
      body: await keys.create(tenantOf(principal), body.name),
      headers: { 'Cache-Control': 'no-store' },
    })),
    route(revokeApiKeyOperation, async ({ principal, params }) => {
      await keys.revoke(tenantOf(principal), params.keyId);
      return { status: 204 };
    }),
  ];
}
