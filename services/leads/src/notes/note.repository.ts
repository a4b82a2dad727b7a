import {
  AppError,
  failedConditions,
  queryPrefixPage,
  transactWrite,
  type DynamoDBDocumentClient,
} from '@leadflow/core';
import type { ActivityRecord } from '../activities/activity.record';
import { leadKey, leadPartition } from '../leads/lead.record';

export interface NoteRecord {
  noteId: string;
  body: string;
  authorId: string;
  createdAt: string;
}

export class NoteRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The note and its line on the timeline, together; only while the lead exists and is not erased. */
  async add(
    tenantId: string,
    leadId: string,
    note: NoteRecord,
    timeline: ActivityRecord,
  ): Promise<void> {
    const below = leadPartition(tenantId, leadId);
    try {
      await transactWrite(this.db, [
        {
          ConditionCheck: {
            TableName: this.table,
            Key: leadKey(tenantId, leadId),
            ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasedAt)',
          },
        },
        {
          Put: { TableName: this.table, Item: { PK: below, SK: `NOTE#${note.noteId}`, ...note } },
        },
        {
          Put: {
            TableName: this.table,
            Item: { PK: below, SK: `ACT#${timeline.activityId}`, ...timeline },
          },
        },
      ]);
    } catch (error) {
      // Leads are never removed, only erased: the lead was erased since it was read.
      if (failedConditions(error)?.[0] === 0)
        throw new AppError('conflict', 'An erased lead takes no notes', { cause: error });
      throw error;
    }
  }

  list(tenantId: string, leadId: string, limit: number, cursor: string | undefined) {
    return queryPrefixPage<NoteRecord>(this.db, {
      table: this.table,
      pk: leadPartition(tenantId, leadId),
      skPrefix: 'NOTE#',
      limit,
      cursor,
      newestFirst: true,
    });
  }
}
