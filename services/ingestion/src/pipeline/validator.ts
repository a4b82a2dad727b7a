import type { compileSchema } from '@leadflow/core';

/** A compiled ajv validator, as the shared validation module makes them. */
export type Validator = ReturnType<typeof compileSchema>;
