import { ulid } from 'ulid';
import { displayPrefix, generateApiKey, hashApiKey } from '@leadflow/auth';
import { notFound } from '@leadflow/core';
import type { ConfigEvents } from '../shared/config-events';
import type { ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import type { ApiKey } from './api-key.schema';

export function toApiKey(record: ApiKeyRecord): ApiKey {
  const { keyId, hash: _hash, ...rest } = record;
  return { id: keyId, ...rest };
}

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly events: ConfigEvents,
  ) {}

  /** The key is answered here and nowhere else, ever. */
  async create(tenantId: string, name: string): Promise<ApiKey & { key: string }> {
    const key = generateApiKey();
    const record: ApiKeyRecord = {
      keyId: ulid(),
      name,
      prefix: displayPrefix(key),
      hash: hashApiKey(key),
      createdAt: new Date().toISOString(),
    };
    await this.keys.create(tenantId, record);
    await this.events.changed(tenantId, 'api-key', record.keyId);
    return { ...toApiKey(record), key };
  }

  async revoke(tenantId: string, keyId: string): Promise<void> {
    const record = await this.keys.get(tenantId, keyId);
    if (!record) throw notFound('API key');
    if (record.revokedAt) return;
    await this.keys.revoke(tenantId, record, new Date().toISOString());
    await this.events.changed(tenantId, 'api-key', keyId);
  }
}
