import type { Operation } from '@leadflow/core';
import { redriveOperations } from './redrive/redrive.schema';

/** Every operation this service answers, for the OpenAPI document. */
export const operations: Operation[] = [...redriveOperations];
