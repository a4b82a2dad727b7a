import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type PublishedConsent, type PublishedFormItem } from '@leadflow/contracts';
import {
  AppError,
  updateVersioned,
  withoutKeys,
  queryPrefixAll,
  queryPrefixPage,
  type DynamoDBDocumentClient,
  transactWrite,
  failedConditions,
} from '@leadflow/core';
import type { FormField } from '@leadflow/forms';

export interface FormRecord {
  formId: string;
  name: string;
  fields: FormField[];
  consents: PublishedConsent[];
  allowedOrigins: string[];
  honeypotField?: string;
  success: { redirectUrl?: string; message?: string };
  googleAdsKeyHash?: string;
  formKey: string;
  status: 'draft' | 'published';
  publishedVersion?: number;
  publishedAt?: string;
  /** The form version the published config was compiled from. */
  publishedFromVersion?: number;
  /** What of the tenant's settings the published config was compiled with, as a digest. */
  publishedTenantDigest?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type FormChanges = Partial<
  Pick<FormRecord, 'name' | 'fields' | 'consents' | 'allowedOrigins' | 'success'>
> & {
  honeypotField?: string | null;
  googleAdsKeyHash?: string | null;
};

export class FormRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(tenantId: string, form: FormRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...tenantKeys.form(tenantId, form.formId), ...form },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(tenantId: string, formId: string): Promise<FormRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.form(tenantId, formId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutKeys<FormRecord>(result.Item) : undefined;
  }

  list(tenantId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<FormRecord>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'FORM#',
      limit,
      cursor,
      newestFirst: true,
    });
  }

  listAll(tenantId: string): Promise<FormRecord[]> {
    return queryPrefixAll<FormRecord>(this.db, {
      table: this.table,
      pk: tenantKeys.partition(tenantId),
      skPrefix: 'FORM#',
    });
  }

  update(
    tenantId: string,
    formId: string,
    expectedVersion: number,
    changes: FormChanges,
  ): Promise<FormRecord> {
    return updateVersioned(this.db, {
      table: this.table,
      key: tenantKeys.form(tenantId, formId),
      expectedVersion,
      changes,
      resource: 'Form',
    });
  }

  /**
   * Marks the form published from `form.version` and writes the lookup ingestion reads, together,
   * if neither the form nor its published version changed since `form` was read: two publishes
   * never commit the same version with different content.
   */
  async publish(
    tenantId: string,
    form: FormRecord,
    published: PublishedFormItem,
    tenantDigest: string,
  ): Promise<FormRecord> {
    const publishedAt = published.config.publishedAt;
    const previous = form.publishedVersion;
    const now = new Date().toISOString();
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.table,
            Key: tenantKeys.form(tenantId, form.formId),
            UpdateExpression:
              'SET #status = :published, publishedVersion = :pv, publishedAt = :at, publishedFromVersion = :next, publishedTenantDigest = :td, #version = :next, updatedAt = :now',
            ConditionExpression:
              previous === undefined
                ? '#version = :v AND attribute_not_exists(publishedVersion)'
                : '#version = :v AND publishedVersion = :previous',
            ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
            ExpressionAttributeValues: {
              ':published': 'published',
              ':pv': published.version,
              ':at': publishedAt,
              ':v': form.version,
              ':next': form.version + 1,
              ':td': tenantDigest,
              ':now': now,
              ...(previous === undefined ? {} : { ':previous': previous }),
            },
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: { ...tenantKeys.publishedForm(form.formKey), ...published },
          },
        },
      ]);
    } catch (error) {
      if (failedConditions(error)?.includes(0))
        throw new AppError(
          'conflict',
          'The form was changed or published by someone else meanwhile; publish again',
          { cause: error },
        );
      throw error;
    }
    return {
      ...form,
      status: 'published',
      publishedVersion: published.version,
      publishedAt,
      publishedFromVersion: form.version + 1,
      publishedTenantDigest: tenantDigest,
      version: form.version + 1,
      updatedAt: now,
    };
  }

  /**
   * Takes the form back to draft, if it did not change since `form` was read; answers the form
   * as it is now, or undefined when it changed (or was deleted) meanwhile.
   */
  async unpublish(tenantId: string, form: FormRecord): Promise<FormRecord | undefined> {
    const now = new Date().toISOString();
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.table,
            Key: tenantKeys.form(tenantId, form.formId),
            UpdateExpression:
              'SET #status = :draft, #version = :next, updatedAt = :now REMOVE publishedAt, publishedFromVersion, publishedTenantDigest',
            ConditionExpression: '#version = :v',
            ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
            ExpressionAttributeValues: {
              ':draft': 'draft',
              ':v': form.version,
              ':next': form.version + 1,
              ':now': now,
            },
          },
        },
        { Delete: { TableName: this.table, Key: tenantKeys.publishedForm(form.formKey) } },
      ]);
    } catch (error) {
      if (failedConditions(error)?.includes(0)) return undefined;
      throw error;
    }
    const {
      publishedAt: _at,
      publishedFromVersion: _from,
      publishedTenantDigest: _digest,
      ...rest
    } = form;
    return { ...rest, status: 'draft', version: form.version + 1, updatedAt: now };
  }

  async delete(tenantId: string, form: FormRecord): Promise<void> {
    await transactWrite(this.db, [
      { Delete: { TableName: this.table, Key: tenantKeys.form(tenantId, form.formId) } },
      { Delete: { TableName: this.table, Key: tenantKeys.publishedForm(form.formKey) } },
    ]);
  }

  /** `consistent` when the answer must include a commit made just now (by another request). */
  async getPublished(
    formKey: string,
    { consistent = false } = {},
  ): Promise<PublishedFormItem | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: tenantKeys.publishedForm(formKey),
        ConsistentRead: consistent,
      }),
    );
    return result.Item ? withoutKeys<PublishedFormItem>(result.Item) : undefined;
  }
}
