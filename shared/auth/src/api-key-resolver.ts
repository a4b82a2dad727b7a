import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TtlCache, type DynamoDBDocumentClient, type Logger, type Principal } from '@leadflow/core';
import { apiKeyLookupKey, hashApiKey, looksLikeApiKey } from './api-keys';

export interface ApiKeyResolver {
  /** The principal of a live key, or undefined for an unknown or revoked one. */
  resolve(key: string): Promise<Principal | undefined>;
}

export interface ApiKeyRecord {
  tenantId: string;
  keyId: string;
  revokedAt?: string;
}

export interface DynamoApiKeyResolverOptions {
  client: DynamoDBDocumentClient;
  table: string;
  logger: Logger;
  /** A revocation takes effect within this long. */
  cacheMs?: number;
  /** `lastUsedAt` is written at most this often per key. */
  lastUsedEveryMs?: number;
}

/** Resolves keys through their hash in the tenants table; caches briefly, both hits and misses. */
export class DynamoApiKeyResolver implements ApiKeyResolver {
  /** Principals by key hash; unknown and revoked keys are remembered as long as live ones. */
  private readonly cache: TtlCache<Principal>;
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly options: DynamoApiKeyResolverOptions) {
    const cacheMs = options.cacheMs ?? 30_000;
    this.cache = new TtlCache({
      load: (hash) => this.read(hash),
      ttlMs: cacheMs,
      missTtlMs: cacheMs,
    });
  }

  async resolve(key: string): Promise<Principal | undefined> {
    if (!looksLikeApiKey(key)) return undefined;
    const principal = await this.cache.get(hashApiKey(key));
    if (principal) this.touch(principal);
    return principal;
  }

  private async read(hash: string): Promise<Principal | undefined> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.table, Key: apiKeyLookupKey(hash) }),
    );
    const record = result.Item as ApiKeyRecord | undefined;
    return record && !record.revokedAt
      ? { kind: 'apiKey', subject: record.keyId, tenantId: record.tenantId, roles: [] }
      : undefined;
  }

  /** Records when the key was last used, for its owners' list; never on the request's path. */
  private touch(principal: Principal): void {
    const now = Date.now();
    const last = this.lastUsedWritten.get(principal.subject) ?? 0;
    if (now - last < (this.options.lastUsedEveryMs ?? 60_000)) return;
    this.lastUsedWritten.set(principal.subject, now);
    this.options.client
      .send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { PK: `TENANT#${principal.tenantId}`, SK: `APIKEY#${principal.subject}` },
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
        }),
      )
      .catch((error: unknown) =>
        this.options.logger.debug({ err: error }, 'could not record API key use'),
      );
  }
}
