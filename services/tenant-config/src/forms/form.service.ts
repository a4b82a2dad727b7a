import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ulid } from 'ulid';
import {
  isStandardField,
  type PublicFormConfig,
  type PublishedFormItem,
  type TenantSettings,
} from '@leadflow/contracts';
import { AppError, isOrigin, notFound, type FieldError } from '@leadflow/core';
import { compileSubmissionSchema, consentKey, CONTEXT_KEYS, resolveFields } from '@leadflow/forms';
import type { ConfigEvents } from '../shared/config-events';
import type { TenantService } from '../tenants/tenant.service';
import type { FormChanges, FormRecord, FormRepository } from './form.repository';
import type { CreateForm, Form, PatchForm } from './form.schema';

export interface FormServiceDeps {
  forms: FormRepository;
  tenants: TenantService;
  events: ConfigEvents;
  s3: S3Client;
  bucket: string;
  assetsPublicUrl: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `frm_` and 24 base62 characters (~143 bits): public, but not guessable. */
export function newFormKey(): string {
  let key = '';
  while (key.length < 24) {
    for (const byte of randomBytes(32))
      if (byte < 248 && key.length < 24) key += ALPHABET[byte % 62];
  }
  return `frm_${key}`;
}

export const hashGoogleAdsKey = (key: string) =>
  createHash('sha256').update(key, 'utf8').digest('hex');

const configObjectKey = (tenantId: string, formKey: string) =>
  `tenants/${tenantId}/forms/${formKey}.json`;

type FormShape = Pick<FormRecord, 'fields' | 'consents' | 'allowedOrigins' | 'honeypotField'>;

/** What a form may contain beyond what its JSON Schema says. */
function shapeErrors(form: FormShape, tenant: TenantSettings): FieldError[] {
  const errors: FieldError[] = [];
  const custom = new Set(tenant.customFields.map((f) => f.key));
  const seen = new Set<string>();
  form.fields.forEach((field, index) => {
    if (!isStandardField(field.key) && !custom.has(field.key)) {
      errors.push({
        field: `body.fields.${index}.key`,
        message: `is neither a standard field nor a custom field of this tenant (${field.key})`,
      });
    }
    if (seen.has(field.key))
      errors.push({ field: `body.fields.${index}.key`, message: `appears twice (${field.key})` });
    seen.add(field.key);
  });
  const consents = new Set<string>();
  form.consents.forEach((consent, index) => {
    if (consents.has(consent.key))
      errors.push({
        field: `body.consents.${index}.key`,
        message: `appears twice (${consent.key})`,
      });
    consents.add(consent.key);
  });
  form.allowedOrigins.forEach((origin, index) => {
    if (!isOrigin(origin))
      errors.push({
        field: `body.allowedOrigins.${index}`,
        message: 'must be an origin: scheme://host[:port], without path',
      });
  });
  if (form.honeypotField) {
    const taken = [...seen, ...[...consents].map(consentKey), ...CONTEXT_KEYS];
    if (taken.includes(form.honeypotField))
      errors.push({ field: 'body.honeypotField', message: 'collides with a field of the form' });
  }
  return errors;
}

export class FormService {
  constructor(private readonly deps: FormServiceDeps) {}

  toForm(record: FormRecord, tenantId: string): Form {
    const { googleAdsKeyHash, publishedFromVersion, formId, ...rest } = record;
    return {
      id: formId,
      ...rest,
      hasGoogleAdsKey: googleAdsKeyHash !== undefined,
      hasUnpublishedChanges:
        record.status === 'published' && publishedFromVersion !== record.version,
      publicConfigUrl:
        record.status === 'published'
          ? `${this.deps.assetsPublicUrl}/${configObjectKey(tenantId, record.formKey)}`
          : null,
    };
  }

  async get(tenantId: string, formId: string): Promise<FormRecord> {
    const form = await this.deps.forms.get(tenantId, formId);
    if (!form) throw notFound('Form');
    return form;
  }

  async create(tenantId: string, input: CreateForm): Promise<FormRecord> {
    const tenant = await this.deps.tenants.get(tenantId);
    const now = new Date().toISOString();
    const record: FormRecord = {
      formId: ulid(),
      name: input.name,
      fields: input.fields,
      consents: input.consents ?? [],
      allowedOrigins: input.allowedOrigins ?? [],
      success: input.success ?? {},
      formKey: newFormKey(),
      status: 'draft',
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...(input.honeypotField ? { honeypotField: input.honeypotField } : {}),
      ...(input.googleAdsKey ? { googleAdsKeyHash: hashGoogleAdsKey(input.googleAdsKey) } : {}),
    };
    this.assertShape(record, tenant);
    await this.deps.forms.create(tenantId, record);
    return record;
  }

  async update(
    tenantId: string,
    formId: string,
    expectedVersion: number,
    patch: PatchForm,
  ): Promise<FormRecord> {
    const [tenant, current] = await Promise.all([
      this.deps.tenants.get(tenantId),
      this.get(tenantId, formId),
    ]);
    const { googleAdsKey, ...rest } = patch;
    const changes: FormChanges = { ...rest };
    if (googleAdsKey !== undefined)
      changes.googleAdsKeyHash = googleAdsKey === null ? null : hashGoogleAdsKey(googleAdsKey);
    const merged: FormShape = {
      fields: patch.fields ?? current.fields,
      consents: patch.consents ?? current.consents,
      allowedOrigins: patch.allowedOrigins ?? current.allowedOrigins,
      honeypotField:
        patch.honeypotField === undefined
          ? current.honeypotField
          : (patch.honeypotField ?? undefined),
    };
    this.assertShape(merged, tenant);
    return this.deps.forms.update(tenantId, formId, expectedVersion, changes);
  }

  /** Compiles, writes the public config to S3, then switches ingestion to it. */
  async publish(tenantId: string, formId: string): Promise<FormRecord> {
    const [tenant, form] = await Promise.all([
      this.deps.tenants.get(tenantId),
      this.get(tenantId, formId),
    ]);
    const missing = form.fields.filter(
      (f) => !isStandardField(f.key) && !tenant.customFields.some((c) => c.key === f.key),
    );
    if (missing.length > 0)
      throw new AppError(
        'conflict',
        `The form uses custom fields the tenant no longer has: ${missing.map((f) => f.key).join(', ')}`,
      );
    const fields = resolveFields(form.fields, tenant.customFields);
    const version = (form.publishedVersion ?? 0) + 1;
    const config: PublicFormConfig = {
      formKey: form.formKey,
      formId: form.formId,
      version,
      name: form.name,
      fields,
      consents: form.consents,
      success: form.success,
      theme: tenant.branding,
      schema: compileSubmissionSchema({
        fields,
        consents: form.consents,
        honeypotField: form.honeypotField,
      }),
      publishedAt: new Date().toISOString(),
      ...(form.honeypotField ? { honeypotField: form.honeypotField } : {}),
    };
    const published: PublishedFormItem = {
      tenantId,
      formId: form.formId,
      version,
      allowedOrigins: form.allowedOrigins,
      defaultCountry: tenant.defaultCountry,
      config,
      ...(form.googleAdsKeyHash ? { googleAdsKeyHash: form.googleAdsKeyHash } : {}),
    };
    await this.deps.s3.send(
      new PutObjectCommand({
        Bucket: this.deps.bucket,
        Key: configObjectKey(tenantId, form.formKey),
        Body: JSON.stringify(config),
        ContentType: 'application/json',
        CacheControl: 'public, max-age=60, stale-while-revalidate=300',
      }),
    );
    const updated = await this.deps.forms.publish(tenantId, form, published);
    await this.deps.events.changed(tenantId, 'form', formId, version);
    return updated;
  }

  async unpublish(tenantId: string, formId: string): Promise<FormRecord> {
    const form = await this.get(tenantId, formId);
    const updated = await this.deps.forms.unpublish(tenantId, form);
    await this.removeConfig(tenantId, form.formKey);
    await this.deps.events.changed(tenantId, 'form', formId);
    return updated;
  }

  async delete(tenantId: string, formId: string): Promise<void> {
    const form = await this.get(tenantId, formId);
    await this.deps.forms.delete(tenantId, form);
    await this.removeConfig(tenantId, form.formKey);
    await this.deps.events.changed(tenantId, 'form', formId);
  }

  async publicConfig(formKey: string): Promise<PublishedFormItem> {
    const published = await this.deps.forms.getPublished(formKey);
    if (!published) throw notFound('Form');
    return published;
  }

  private async removeConfig(tenantId: string, formKey: string): Promise<void> {
    await this.deps.s3.send(
      new DeleteObjectCommand({
        Bucket: this.deps.bucket,
        Key: configObjectKey(tenantId, formKey),
      }),
    );
  }

  private assertShape(form: FormShape, tenant: TenantSettings): void {
    const errors = shapeErrors(form, tenant);
    if (errors.length > 0)
      throw new AppError('validation_failed', 'The form is invalid', { errors });
  }
}
