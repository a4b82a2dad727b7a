import { STANDARD_FIELDS, type PublishedField, type TenantSettings } from '@leadflow/contracts';
import { compileDataSchema, type TtlCache } from '@leadflow/core';
import { fieldSchema, resolveFields } from '@leadflow/forms';
import type { TenantSettingsRepository } from './tenant-settings.repository';
import { configCache, type ConfigCacheOptions } from '../pipeline/config-cache';
import type { Validator } from '../pipeline/validator';

/** What a server-to-server lead of a tenant must satisfy beyond the request schema. */
export interface TenantRules {
  tenantId: string;
  version: number;
  defaultCountry: string;
  /** The standard fields, typed (email, phone, text) for normalisation. */
  standardFields: PublishedField[];
  customFields: PublishedField[];
  /** The tenant's custom values: only defined keys, each of its type, required ones present. */
  validateCustom: Validator;
}

const STANDARD_PUBLISHED = resolveFields(
  STANDARD_FIELDS.map((key) => ({ key })),
  [],
);

export function tenantRules(settings: TenantSettings): TenantRules {
  const customFields = resolveFields(
    settings.customFields.map((f) => ({ key: f.key })),
    settings.customFields,
  );
  const properties: Record<string, unknown> = {};
  for (const field of customFields) properties[field.key] = fieldSchema(field);
  return {
    tenantId: settings.tenantId,
    version: settings.version,
    defaultCountry: settings.defaultCountry,
    standardFields: STANDARD_PUBLISHED,
    customFields,
    validateCustom: compileDataSchema({
      type: 'object',
      properties,
      required: customFields.filter((f) => f.required).map((f) => f.key),
      additionalProperties: false,
    }),
  };
}

/** Tenants' rules by id, cached like published forms, compiled once per tenant version. */
export class TenantRulesCache {
  private readonly cache: TtlCache<TenantRules>;
  private readonly compiled = new Map<string, TenantRules>();

  constructor(
    private readonly repository: TenantSettingsRepository,
    options: ConfigCacheOptions,
  ) {
    this.cache = configCache('tenant', (tenantId) => this.load(tenantId), options);
  }

  get(tenantId: string): Promise<TenantRules | undefined> {
    const cached = this.cache.peek(tenantId);
    return cached.hit ? Promise.resolve(cached.value) : this.cache.get(tenantId);
  }

  private async load(tenantId: string): Promise<TenantRules | undefined> {
    const settings = await this.repository.get(tenantId);
    if (!settings) return undefined;
    const previous = this.compiled.get(tenantId);
    if (previous && previous.version === settings.version) return previous;
    const rules = tenantRules(settings);
    this.compiled.set(tenantId, rules);
    return rules;
  }
}
