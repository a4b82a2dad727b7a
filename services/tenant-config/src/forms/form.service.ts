import { createHash, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ulid } from 'ulid';
import {
  isStandardField,
  type PublicFormConfig,
  type PublishedFormItem,
  type Branding,
  type PublishedField,
  type TenantSettings,
} from '@leadflow/contracts';
import {
  AppError,
  dependencyUnavailable,
  fingerprint,
  isOrigin,
  notFound,
  type FieldError,
  type Logger,
} from '@leadflow/core';
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
  logger: Logger;
}

const UNPUBLISH_ATTEMPTS = 3;

/** The object metadata (x-amz-meta-form-version) that tells which version a config is. */
const VERSION_METADATA = 'form-version';
const MAX_CONFIG_WRITES = 3;

/** Another write changed the object between our look and our write (412, or 409 while racing). */
const isConditionalWriteConflict = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'PreconditionFailed' || error.name === 'ConditionalRequestConflict');

/** HeadObject answers a missing object with NotFound, the other calls with NoSuchKey. */
const isMissingObject = (error: unknown) =>
  error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey');

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

/** The form as ingestion and pages will see it, as the version after the last published one. */
function compile(tenantId: string, tenant: TenantSettings, form: FormRecord): PublishedFormItem {
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
  return {
    tenantId,
    formId: form.formId,
    version,
    allowedOrigins: form.allowedOrigins,
    defaultCountry: tenant.defaultCountry,
    config,
    ...(form.googleAdsKeyHash ? { googleAdsKeyHash: form.googleAdsKeyHash } : {}),
  };
}

/**
 * What a form's config takes from the tenant (the theme, and its fields as the tenant's custom
 * fields resolve them), as a digest. When what a publish would take now differs, the live form
 * is behind the tenant until it is published again. (The tenant's country is read by ingestion
 * itself.)
 */
const tenantPartDigest = (theme: Branding, fields: PublishedField[]): string =>
  fingerprint({ theme, fields });

/** The digest a publish of `form` would write now; undefined when it could not be published. */
function digestNow(tenant: TenantSettings, form: FormRecord): string | undefined {
  try {
    return tenantPartDigest(tenant.branding, resolveFields(form.fields, tenant.customFields));
  } catch {
    return undefined;
  }
}

const digestOfConfig = ({ theme, fields }: PublicFormConfig) => tenantPartDigest(theme, fields);

/** Ingestion compiles a version once: what it reads must not change without a new version. */
function sameContent(a: PublishedFormItem, b: PublishedFormItem): boolean {
  const content = ({ version: _v, config, ...rest }: PublishedFormItem): unknown => {
    const { version: _cv, publishedAt: _at, ...configContent } = config;
    // Through JSON, as in DynamoDB: members that are undefined are not stored.
    return JSON.parse(JSON.stringify({ ...rest, config: configContent }));
  };
  return isDeepStrictEqual(content(a), content(b));
}

export class FormService {
  constructor(private readonly deps: FormServiceDeps) {}

  /** The forms as the API shows them, judged against the tenant's settings as they are now. */
  async toForms(tenantId: string, records: FormRecord[]): Promise<Form[]> {
    const tenant = await this.deps.tenants.get(tenantId);
    return Promise.all(
      records.map(async (record) =>
        this.toForm(record, tenantId, await this.isBehind(record, tenant)),
      ),
    );
  }

  /** Whether a publish would change the live form: edited since, or its tenant changed. */
  private async isBehind(record: FormRecord, tenant: TenantSettings): Promise<boolean> {
    if (record.status !== 'published') return false;
    if (record.publishedFromVersion !== record.version) return true;
    // Published before the digest was kept: the live config tells what it took.
    const live =
      record.publishedTenantDigest ??
      (await this.deps.forms
        .getPublished(record.formKey)
        .then((item) => item && digestOfConfig(item.config)));
    return live !== undefined && live !== digestNow(tenant, record);
  }

  private toForm(record: FormRecord, tenantId: string, behind: boolean): Form {
    const {
      googleAdsKeyHash,
      publishedFromVersion: _from,
      publishedTenantDigest: _digest,
      formId,
      ...rest
    } = record;
    return {
      id: formId,
      ...rest,
      hasGoogleAdsKey: googleAdsKeyHash !== undefined,
      hasUnpublishedChanges: behind,
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

  /**
   * Compiles the form, switches ingestion to it, then writes its public config to S3: the CDN only
   * ever shows content that was committed. Publishing unchanged content again keeps its
   * version and rewrites the config, so a retry repairs a failed write. An unpublish or delete
   * that commits while the config is on its way removes the object before it lands, so the
   * publish takes its write back then.
   */
  async publish(tenantId: string, formId: string): Promise<FormRecord> {
    const [tenant, form] = await Promise.all([
      this.deps.tenants.get(tenantId),
      this.get(tenantId, formId),
    ]);
    const compiled = compile(tenantId, tenant, form);
    const live = await this.publishedVersionOf(form);
    const published = live && sameContent(live, compiled) ? live : compiled;
    const updated = await this.deps.forms.publish(
      tenantId,
      form,
      published,
      digestOfConfig(published.config),
    );
    await this.deps.events.changed(tenantId, 'form', formId, published.version);
    const written = await this.writeConfig(tenantId, published.config);
    if (written) await this.takeBackUnlessPublished(tenantId, published.config.formKey, written);
    return updated;
  }

  /** Ingestion stops first; a failed removal from the CDN is repaired by unpublishing again. */
  async unpublish(tenantId: string, formId: string): Promise<FormRecord> {
    const updated = await this.unpublishCurrent(tenantId, formId);
    await this.removeConfig(
      tenantId,
      updated.formKey,
      'The form no longer takes submissions, but its public config could not be removed from the CDN; unpublish again to remove it',
    );
    await this.rewriteIfPublished(tenantId, updated.formKey);
    await this.deps.events.changed(tenantId, 'form', formId);
    return updated;
  }

  /**
   * The unpublish counts as a change (a new version, so a cached copy is not taken as current);
   * an edit or publish that lands in between is read again, as what it changed does not matter.
   */
  private async unpublishCurrent(tenantId: string, formId: string): Promise<FormRecord> {
    for (let attempt = 1; attempt <= UNPUBLISH_ATTEMPTS; attempt += 1) {
      const updated = await this.deps.forms.unpublish(tenantId, await this.get(tenantId, formId));
      if (updated) return updated;
    }
    throw new AppError('conflict', 'The form keeps being changed by someone else; unpublish again');
  }

  /**
   * A publish that committed after the unpublish, and wrote its config before the removal, lost
   * that config to it: the form takes submissions again, so its config goes back on the CDN.
   */
  private async rewriteIfPublished(tenantId: string, formKey: string): Promise<void> {
    const published = await this.deps.forms.getPublished(formKey, { consistent: true });
    if (!published) return;
    await this.writeConfig(tenantId, published.config).catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, formKey },
        'a form published again during its unpublish lacks its CDN config; publishing again writes it',
      ),
    );
  }

  /**
   * The CDN's config goes first: once the form is deleted nothing would find its key again, so
   * a config left behind by a failed removal would stay forever. A failure here leaves the form
   * whole, and deleting again finishes the job. It goes once more after the delete, for a
   * publish that committed in between and wrote it again.
   */
  async delete(tenantId: string, formId: string): Promise<void> {
    const form = await this.get(tenantId, formId);
    await this.removeConfig(
      tenantId,
      form.formKey,
      'The form was not deleted: its public config could not be removed from the CDN; delete it again',
    );
    await this.deps.forms.delete(tenantId, form);
    // Once more: a publish that committed before the delete did may have written it again since.
    await this.removeConfig(
      tenantId,
      form.formKey,
      'config of a deleted form left on the CDN',
    ).catch((error: unknown) =>
      this.deps.logger.error(
        { err: error, formKey: form.formKey },
        'config of a deleted form left on the CDN',
      ),
    );
    await this.deps.events.changed(tenantId, 'form', formId);
  }

  async publicConfig(formKey: string): Promise<PublishedFormItem> {
    const published = await this.deps.forms.getPublished(formKey);
    if (!published) throw notFound('Form');
    return published;
  }

  /**
   * What ingestion reads for the version `form` says is published, if that is what it finds.
   * Consistent: a stale read could find an older version, and keeping that one would move
   * publishedVersion back and reuse a version number for other content.
   */
  private async publishedVersionOf(form: FormRecord): Promise<PublishedFormItem | undefined> {
    if (form.status !== 'published') return undefined;
    const live = await this.deps.forms.getPublished(form.formKey, { consistent: true });
    return live?.version === form.publishedVersion ? live : undefined;
  }

  /**
   * Writes the config unless a newer version is already there: two publishes commit in order,
   * but their S3 writes could land the other way round. The write is conditional on the object
   * it looked at, so a write in between makes it look again. Answers the ETag it wrote.
   */
  private async writeConfig(
    tenantId: string,
    config: PublicFormConfig,
  ): Promise<string | undefined> {
    const key = configObjectKey(tenantId, config.formKey);
    try {
      for (let attempt = 1; ; attempt++) {
        const current = await this.configOnCdn(key);
        if (current && current.version > config.version) return undefined;
        try {
          const { ETag } = await this.deps.s3.send(
            new PutObjectCommand({
              Bucket: this.deps.bucket,
              Key: key,
              Body: JSON.stringify(config),
              ContentType: 'application/json',
              CacheControl: 'public, max-age=60, stale-while-revalidate=300',
              Metadata: { [VERSION_METADATA]: String(config.version) },
              ...(current ? { IfMatch: current.etag } : { IfNoneMatch: '*' }),
            }),
          );
          return ETag;
        } catch (error) {
          if (!isConditionalWriteConflict(error) || attempt >= MAX_CONFIG_WRITES) throw error;
        }
      }
    } catch (error) {
      throw dependencyUnavailable(
        `Version ${config.version} of the form takes submissions, but its public config could not be written to the CDN; publish again to write it`,
        error,
      );
    }
  }

  /**
   * Removes the config this publish wrote if the form no longer takes submissions. Only that
   * object (If-Match): a publish that committed since has replaced it with its own.
   */
  private async takeBackUnlessPublished(
    tenantId: string,
    formKey: string,
    etag: string,
  ): Promise<void> {
    if (await this.deps.forms.getPublished(formKey, { consistent: true })) return;
    try {
      await this.deps.s3.send(
        new DeleteObjectCommand({
          Bucket: this.deps.bucket,
          Key: configObjectKey(tenantId, formKey),
          IfMatch: etag,
        }),
      );
    } catch (error) {
      if (isConditionalWriteConflict(error) || isMissingObject(error)) return;
      throw dependencyUnavailable(
        'The form stopped taking submissions while it was being published, and the public config this publish wrote could not be removed from the CDN; publish and unpublish it to remove it',
        error,
      );
    }
  }

  /** The config object's ETag and version (0 for one written before versions were recorded). */
  private async configOnCdn(key: string): Promise<{ etag: string; version: number } | undefined> {
    try {
      const head = await this.deps.s3.send(
        new HeadObjectCommand({ Bucket: this.deps.bucket, Key: key }),
      );
      return { etag: head.ETag!, version: Number(head.Metadata?.[VERSION_METADATA] ?? 0) };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  private async removeConfig(tenantId: string, formKey: string, failure: string): Promise<void> {
    try {
      await this.deps.s3.send(
        new DeleteObjectCommand({
          Bucket: this.deps.bucket,
          Key: configObjectKey(tenantId, formKey),
        }),
      );
    } catch (error) {
      throw dependencyUnavailable(failure, error);
    }
  }

  private assertShape(form: FormShape, tenant: TenantSettings): void {
    const errors = shapeErrors(form, tenant);
    if (errors.length > 0)
      throw new AppError('validation_failed', 'The form is invalid', { errors });
  }
}
