import type { Operation } from '@leadflow/core';

/** Every operation this service answers, for the OpenAPI document. */
export const operations: Operation[] = [];
