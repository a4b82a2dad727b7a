import { isStandardField, type PublicFormConfig, type PublishedField } from '@leadflow/contracts';
import { compileDataSchema, type TtlCache } from '@leadflow/core';
import type { SubmissionShape } from '@leadflow/forms';
import type { PublishedFormRepository } from './published-form.repository';
import { configCache, type ConfigCacheOptions } from '../pipeline/config-cache';
import type { Validator } from '../pipeline/validator';

/** What tenant-config's form keys look like: `frm_` and 24 base62 characters. */
export const FORM_KEY_PATTERN = '^frm_[A-Za-z0-9]{24}$';
const FORM_KEY = new RegExp(FORM_KEY_PATTERN);

/** A published form, ready to judge submissions: its validator compiled once per version. */
export interface ResolvedForm {
  formKey: string;
  tenantId: string;
  formId: string;
  version: number;
  allowedOrigins: readonly string[];
  /** The tenant’s country when the form was published: read in only when its settings cannot be. */
  defaultCountry: string;
  /** SHA-256 of the Google Ads webhook key; undefined when the form has none. */
  googleAdsKeyHash: Buffer | undefined;
  config: PublicFormConfig;
  shape: SubmissionShape;
  /** The form's custom fields, by key (Google Ads columns may fill them). */
  customFields: ReadonlyMap<string, PublishedField>;
  validate: Validator;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Published forms by public key, read through a cache: a new version takes effect within
 * `cacheMs`, an unknown key reaches DynamoDB at most once per `missCacheMs`, and while
 * DynamoDB does not answer the last known version keeps serving.
 */
export class PublishedForms {
  private readonly cache: TtlCache<ResolvedForm>;
  private readonly compiled = new Map<string, ResolvedForm>();

  constructor(
    private readonly repository: PublishedFormRepository,
    options: ConfigCacheOptions,
  ) {
    this.cache = configCache('form', (formKey) => this.load(formKey), options);
  }

  /** The published form of a key, or undefined when it is malformed, unknown or unpublished. */
  resolve(formKey: string): Promise<ResolvedForm | undefined> {
    const cached = this.peek(formKey);
    return cached.hit ? Promise.resolve(cached.value) : this.cache.get(formKey);
  }

  /** The answer of `resolve` without waiting, when the cache (or the key's shape) has it. */
  peek(formKey: string): { hit: true; value: ResolvedForm | undefined } | { hit: false } {
    if (!FORM_KEY.test(formKey)) return { hit: true, value: undefined };
    return this.cache.peek(formKey);
  }

  private async load(formKey: string): Promise<ResolvedForm | undefined> {
    const item = await this.repository.get(formKey);
    if (!item) {
      this.compiled.delete(formKey);
      return undefined;
    }
    const previous = this.compiled.get(formKey);
    if (previous && previous.version === item.version && previous.tenantId === item.tenantId)
      return previous;
    const { config } = item;
    const resolved: ResolvedForm = {
      formKey,
      tenantId: item.tenantId,
      formId: item.formId,
      version: item.version,
      allowedOrigins: item.allowedOrigins,
      defaultCountry: item.defaultCountry,
      googleAdsKeyHash:
        item.googleAdsKeyHash && SHA256_HEX.test(item.googleAdsKeyHash)
          ? Buffer.from(item.googleAdsKeyHash, 'hex')
          : undefined,
      config,
      shape: {
        fields: config.fields,
        consents: config.consents,
        honeypotField: config.honeypotField,
      },
      customFields: new Map(
        config.fields.filter((f) => !isStandardField(f.key)).map((f) => [f.key, f]),
      ),
      validate: compileDataSchema(config.schema),
    };
    this.compiled.delete(formKey);
    this.compiled.set(formKey, resolved);
    if (this.compiled.size > 10_000) {
      const oldest = this.compiled.keys().next().value;
      if (oldest !== undefined) this.compiled.delete(oldest);
    }
    return resolved;
  }
}
