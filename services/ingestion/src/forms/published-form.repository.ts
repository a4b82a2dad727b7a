import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tenantKeys, type PublishedFormItem } from '@leadflow/contracts';
import { withoutKeys, type DynamoDBDocumentClient } from '@leadflow/core';

/** The lookup item tenant-config writes when a form is published, and deletes when it is not. */
export class PublishedFormRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(formKey: string): Promise<PublishedFormItem | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tenantKeys.publishedForm(formKey) }),
    );
    return result.Item ? withoutKeys<PublishedFormItem>(result.Item) : undefined;
  }
}
