import type { Operation } from '@leadflow/core';
import { listActivitiesOperation } from './activities/activity.schema';
import { leadOperations } from './leads/lead.schema';
import { noteOperations } from './notes/note.schema';

/** Every operation this service answers, for the OpenAPI document. */
export const operations: Operation[] = [
  ...leadOperations,
  ...noteOperations,
  listActivitiesOperation,
];
