import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ulid } from 'ulid';
import {
  isStandardField,
  newTenantSettings,
  type Branding,
  type CustomFieldDefinition,
  type TenantSettings,
} from '@leadflow/contracts';
import { AppError, isForbiddenKey, notFound, type FieldError, type Logger } from '@leadflow/core';
import { consentKey, CONTEXT_KEYS, isSupportedCountry, unsafePatternReason } from '@leadflow/forms';
import type { CrmConnectionRepository } from '../crm-connections/crm-connection.repository';
import type { FormRepository } from '../forms/form.repository';
import type { MemberRepository } from '../members/member.repository';
import type { MemberService } from '../members/member.service';
import type { ConfigEvents } from '../shared/config-events';
import type { TenantChanges, TenantRepository } from './tenant.repository';
import type { PatchTenant, Tenant } from './tenant.schema';

export interface TenantServiceDeps {
  tenants: TenantRepository;
  forms: FormRepository;
  connections: CrmConnectionRepository;
  members: MemberRepository;
  memberService: MemberService;
  events: ConfigEvents;
  logger: Logger;
  s3: S3Client;
  bucket: string;
  assetsPublicUrl: string;
}

export interface CreateTenantInput {
  name: string;
  slug: string;
  defaultCountry: string;
  timezone: string;
  admin?: { email: string };
}

const LOGO_EXTENSIONS = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/svg+xml': 'svg',
} as const;
const UPLOAD_EXPIRES_SECONDS = 300;
const UPLOADED_LOGO = new RegExp(
  `^logo-[0-9A-HJKMNP-TV-Z]{26}\\.(${Object.values(LOGO_EXTENSIONS).join('|')})$`,
);

/** The branding with the patch's properties; a null logoUrl removes the logo. */
function mergedBranding(current: Branding, patch: NonNullable<PatchTenant['branding']>): Branding {
  const { logoUrl, ...rest } = patch;
  const { logoUrl: currentLogo, ...kept } = current;
  const logo = logoUrl === null ? undefined : (logoUrl ?? currentLogo);
  return { ...kept, ...rest, ...(logo === undefined ? {} : { logoUrl: logo }) };
}

export function toTenant(settings: TenantSettings): Tenant {
  return {
    id: settings.tenantId,
    name: settings.name,
    slug: settings.slug,
    defaultCountry: settings.defaultCountry,
    timezone: settings.timezone,
    branding: settings.branding,
    customFields: settings.customFields,
    pipeline: settings.pipeline,
    dedupe: settings.dedupe,
    assignment: settings.assignment,
    version: settings.version,
    createdAt: settings.createdAt,
    updatedAt: settings.updatedAt,
  };
}

function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function placeErrors(
  defaultCountry: string | undefined,
  timezone: string | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  if (defaultCountry !== undefined && !isSupportedCountry(defaultCountry))
    errors.push({ field: 'body.defaultCountry', message: 'is not a known country code' });
  if (timezone !== undefined && !isTimezone(timezone))
    errors.push({ field: 'body.timezone', message: 'is not an IANA time zone' });
  return errors;
}

/** Rules of a lead schema that JSON Schema cannot say: unique keys, no shadowing, coherent options. */
export function customFieldErrors(
  fields: CustomFieldDefinition[],
  existing: readonly CustomFieldDefinition[] = [],
): FieldError[] {
  const kept = new Set(existing.map((f) => f.key));
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  fields.forEach((field, index) => {
    const at = `body.customFields.${index}`;
    if (isStandardField(field.key))
      errors.push({
        field: `${at}.key`,
        message: `is a standard field (${field.key}) and cannot be redefined`,
      });
    // As a key of lead events' custom values, it would make every consumer refuse them.
    if (isForbiddenKey(field.key))
      errors.push({ field: `${at}.key`, message: `is reserved (${field.key})` });
    // A form's submission already has these keys: a field of the same key would be judged by
    // their schema, not its own. One the tenant already has stays until it is removed.
    if (
      !kept.has(field.key) &&
      ((CONTEXT_KEYS as readonly string[]).includes(field.key) ||
        field.key.startsWith(consentKey('')))
    )
      errors.push({
        field: `${at}.key`,
        message: `is a key every form submission has (${field.key}: its context or consents)`,
      });
    const first = seen.get(field.key);
    if (first !== undefined)
      errors.push({
        field: `${at}.key`,
        message: `duplicates customFields.${first}.key (${field.key})`,
      });
    else seen.set(field.key, index);
    const hasChoices = field.type === 'select' || field.type === 'multiselect';
    if (hasChoices && !field.options)
      errors.push({ field: `${at}.options`, message: `is required for ${field.type} fields` });
    if (!hasChoices && field.options)
      errors.push({ field: `${at}.options`, message: `is only for select and multiselect fields` });
    if (field.min !== undefined && field.max !== undefined && field.min > field.max)
      errors.push({ field: `${at}.min`, message: 'must not exceed max' });
    if (field.pattern !== undefined) {
      const reason = unsafePatternReason(field.pattern);
      if (reason) errors.push({ field: `${at}.pattern`, message: reason });
    }
  });
  return errors;
}

function throwIfAny(errors: FieldError[]): void {
  if (errors.length > 0)
    throw new AppError('validation_failed', 'The request is invalid', { errors });
}

/** Each logo upload has a key of its own, so the file under it never changes. */
const LOGO_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  async create(input: CreateTenantInput): Promise<Tenant> {
    throwIfAny(placeErrors(input.defaultCountry, input.timezone));
    const settings = newTenantSettings({
      tenantId: input.slug,
      name: input.name,
      slug: input.slug,
      defaultCountry: input.defaultCountry,
      timezone: input.timezone,
    });
    await this.deps.tenants.create(settings);
    if (input.admin) await this.inviteFirstAdmin(settings, input.admin.email);
    await this.deps.events.changed(
      settings.tenantId,
      'tenant',
      settings.tenantId,
      settings.version,
    );
    return toTenant(settings);
  }

  async get(tenantId: string): Promise<TenantSettings> {
    const settings = await this.deps.tenants.get(tenantId);
    if (!settings) throw notFound('Tenant');
    return settings;
  }

  async update(tenantId: string, expectedVersion: number, patch: PatchTenant): Promise<Tenant> {
    const current = await this.get(tenantId);
    const errors = [...placeErrors(patch.defaultCountry, patch.timezone)];
    if (patch.customFields)
      errors.push(...customFieldErrors(patch.customFields, current.customFields));
    const logoUrl = patch.branding?.logoUrl;
    // The logo it has may be sent back unchanged, also one set before uploads were checked this closely.
    if (
      typeof logoUrl === 'string' &&
      logoUrl !== current.branding.logoUrl &&
      !this.isUploadedLogo(tenantId, logoUrl)
    ) {
      errors.push({
        field: 'body.branding.logoUrl',
        message: 'must be a logo uploaded through POST /v1/tenant/branding/logo',
      });
    }
    errors.push(...(await this.assignmentErrors(tenantId, patch.assignment)));
    throwIfAny(errors);
    if (patch.customFields)
      await this.refuseRemovingFieldsInUse(tenantId, current.customFields, patch.customFields);
    const { branding, ...rest } = patch;
    const changes: TenantChanges = {
      ...rest,
      ...(branding ? { branding: mergedBranding(current.branding, branding) } : {}),
    };
    const updated = await this.deps.tenants.update(tenantId, expectedVersion, changes);
    await this.deps.events.changed(tenantId, 'tenant', tenantId, updated.version);
    return toTenant(updated);
  }

  async createLogoUpload(
    tenantId: string,
    contentType: keyof typeof LOGO_EXTENSIONS,
    contentLength: number,
  ) {
    await this.get(tenantId);
    const key = `tenants/${tenantId}/branding/logo-${ulid()}.${LOGO_EXTENSIONS[contentType]}`;
    const command = new PutObjectCommand({
      Bucket: this.deps.bucket,
      Key: key,
      ContentType: contentType,
      ContentLength: contentLength,
      CacheControl: LOGO_CACHE_CONTROL,
    });
    const uploadUrl = await getSignedUrl(this.deps.s3, command, {
      expiresIn: UPLOAD_EXPIRES_SECONDS,
      // Signed, so S3 refuses any other type or size, and the logo is stored with its caching
      // (S3 keeps only what the upload itself sends).
      signableHeaders: new Set(['content-type', 'content-length', 'cache-control']),
    });
    return {
      uploadUrl,
      method: 'PUT' as const,
      // Content-Length is signed too; browsers and fetch set it from the body.
      headers: { 'Content-Type': contentType, 'Cache-Control': LOGO_CACHE_CONTROL },
      logoUrl: `${this.deps.assetsPublicUrl}/${key}`,
      expiresIn: UPLOAD_EXPIRES_SECONDS,
    };
  }

  /** A tenant whose first admin cannot be invited is undone, so that a retry finds its slug free. */
  private async inviteFirstAdmin(tenant: TenantSettings, email: string): Promise<void> {
    try {
      await this.deps.memberService.invite(tenant.tenantId, email, 'admin');
    } catch (error) {
      await this.deps.tenants.undoCreate(tenant).catch((cleanup: unknown) => {
        this.deps.logger.error(
          { err: cleanup, tenantId: tenant.tenantId },
          'tenant without its first admin not undone; its slug stays taken',
        );
      });
      throw error;
    }
  }

  /** The URL of a logo createLogoUpload named for this tenant: nothing before or after it. */
  private isUploadedLogo(tenantId: string, url: string): boolean {
    const prefix = `${this.deps.assetsPublicUrl}/tenants/${tenantId}/branding/`;
    return url.startsWith(prefix) && UPLOADED_LOGO.test(url.slice(prefix.length));
  }

  private async assignmentErrors(
    tenantId: string,
    assignment: PatchTenant['assignment'],
  ): Promise<FieldError[]> {
    if (!assignment) return [];
    const errors: FieldError[] = [];
    if (assignment.mode === 'round-robin' && !assignment.agents?.length)
      errors.push({
        field: 'body.assignment.agents',
        message: 'must list at least one member for round-robin',
      });
    if (assignment.mode === 'form-owner' && !Object.keys(assignment.formOwners ?? {}).length)
      errors.push({
        field: 'body.assignment.formOwners',
        message: 'must map at least one form for form-owner',
      });
    const memberIds = [
      ...(assignment.agents ?? []).map((a) => a.memberId),
      ...Object.values(assignment.formOwners ?? {}),
    ];
    const missing = await this.deps.members.missing(tenantId, [...new Set(memberIds)]);
    for (const id of missing)
      errors.push({
        field: 'body.assignment',
        message: `names ${id}, who is not a member of this tenant`,
      });
    return errors;
  }

  private async refuseRemovingFieldsInUse(
    tenantId: string,
    before: CustomFieldDefinition[],
    after: CustomFieldDefinition[],
  ): Promise<void> {
    const kept = new Set(after.map((f) => f.key));
    const removed = before.filter((f) => !kept.has(f.key)).map((f) => f.key);
    if (removed.length === 0) return;
    const inUse = (key: string, where: string, remedy: string) =>
      new AppError('conflict', `The custom field ${key} is used by ${where}; ${remedy} first`);
    for (const form of await this.deps.forms.listAll(tenantId)) {
      const used = form.fields.find((f) => removed.includes(f.key));
      if (used)
        throw inUse(used.key, `the form ${form.formId} (${form.name})`, 'remove it from the form');
      // The live version may still have it after the draft dropped it: it would keep collecting
      // values the tenant's schema (and erasure) no longer knows.
      const live =
        form.status === 'published' &&
        (await this.deps.forms.getPublished(form.formKey, { consistent: true }));
      const published = live && live.config.fields.find((f) => removed.includes(f.key));
      if (published)
        throw inUse(
          published.key,
          `the published version of the form ${form.formId} (${form.name})`,
          'publish the form without it',
        );
    }
    for (const connection of await this.deps.connections.listAll(tenantId)) {
      const mapped = removed.find((key) => `custom.${key}` in connection.fieldMapping);
      if (mapped)
        throw inUse(
          mapped,
          `the field mapping of the CRM connection ${connection.connectionId} (${connection.name})`,
          'remove it from the mapping',
        );
    }
  }
}
