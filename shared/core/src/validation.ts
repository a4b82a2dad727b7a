import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { AppError, type FieldError } from './errors';
import { linearTimeRegExp } from './linear-time-regexp';

function createAjv(coerceTypes: boolean, regExp?: RegExpEngine): Ajv {
  const ajv = new Ajv({
    ...(regExp ? { code: { regExp } } : {}),
    allErrors: true,
    coerceTypes,
    useDefaults: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    discriminator: true,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/** Bodies and events: types must be exact. */
const strictAjv = createAjv(false);
/** Path, query and environment: everything arrives as a string. */
const coercingAjv = createAjv(true);

const compiled = new WeakMap<object, ValidateFunction>();
const compiledCoercing = new WeakMap<object, ValidateFunction>();

export interface CompileOptions {
  coerce?: boolean;
}

export function compileSchema<T = unknown>(
  schema: TSchema | object,
  options: CompileOptions = {},
): ValidateFunction<T> {
  const cache = options.coerce ? compiledCoercing : compiled;
  let validate = cache.get(schema);
  if (!validate) {
    validate = (options.coerce ? coercingAjv : strictAjv).compile(schema);
    cache.set(schema, validate);
  }
  return validate as ValidateFunction<T>;
}

/**
 * A schema made from data — a tenant's form or custom fields — rather than from code: compiled
 * by an Ajv of its own. An Ajv keeps every schema it compiled for as long as it lives, so the
 * shared one would keep every version of every form a task ever saw; this one goes with the
 * validator. Its patterns are the tenant's, so they run in linear time (RE2).
 */
export function compileDataSchema<T = unknown>(schema: object): ValidateFunction<T> {
  return createAjv(false, linearTimeRegExp).compile<T>(schema);
}

function fieldPath(error: ErrorObject, prefix: string): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties')
    segments.push(String(error.params.additionalProperty));
  if (error.keyword === 'discriminator') segments.push(String(error.params.tag));
  const path = segments.join('.');
  if (!prefix) return path || '(root)';
  return path ? `${prefix}.${path}` : prefix;
}

function fieldMessage(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed field';
    case 'enum':
      return `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`;
    case 'discriminator':
      return error.params.error === 'tag' ? 'is required' : 'is not one of the allowed values';
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Field-level errors: one per field, its first message. */
/** Enough to fix a request by; a body of thousands of bad keys must not make an answer as big. */
export const MAX_FIELD_ERRORS = 50;

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const byField = new Map<string, string>();
  for (const error of errors ?? []) {
    // anyOf / oneOf repeat what their branches already said.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const field = fieldPath(error, prefix);
    if (!byField.has(field)) byField.set(field, fieldMessage(error));
    if (byField.size >= MAX_FIELD_ERRORS) break;
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a key could pollute prototypes. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** Deeper than any contract: a body nested further is refused before it is validated. */
export const MAX_NESTING_DEPTH = 32;

type KeyProblem = { path: string; problem: 'forbidden-key' | 'too-deep' };

/**
 * The first key that could pollute prototypes, or the first value nested deeper than
 * MAX_NESTING_DEPTH. Walked with a stack of its own: 10 KB of `[[[…]]]` must not overflow the
 * call stack.
 */
function keyProblemOf(value: unknown): KeyProblem | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [
    { value, path: '', depth: 0 },
  ];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= MAX_NESTING_DEPTH) return { path: next.path, problem: 'too-deep' };
    const record = next.value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const key of keys) {
      if (isForbiddenKey(key))
        return { path: next.path ? `${next.path}.${key}` : key, problem: 'forbidden-key' };
    }
    // Reversed onto the stack, so the first key is walked first.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      pending.push({
        value: record[key],
        path: next.path ? `${next.path}.${key}` : key,
        depth: next.depth + 1,
      });
    }
  }
  return undefined;
}

/** The path of the first key that could pollute prototypes, or undefined. */
export function findForbiddenKey(value: unknown): string | undefined {
  const found = keyProblemOf(value);
  return found?.problem === 'forbidden-key' ? found.path : undefined;
}

/** The 400 of a request that sent a key which could pollute prototypes, at `field`. */
export function forbiddenKeyError(field: string): AppError {
  return new AppError('validation_failed', 'The request contains a forbidden key', {
    errors: [{ field, message: 'is a forbidden key' }],
  });
}

/** The 400 of a request nested deeper than any contract, at the top-level field it was in. */
function tooDeepError(prefix: string, path: string): AppError {
  const field = [prefix, path.split('.')[0]].filter(Boolean).join('.') || 'body';
  return new AppError('validation_failed', 'The request is nested too deeply', {
    errors: [{ field, message: `nests deeper than ${MAX_NESTING_DEPTH} levels` }],
  });
}

/** Validates `value` against `schema` and returns it typed, or throws a 400 naming every failing field. */
export function assertValid<T>(
  schema: TSchema | object,
  value: unknown,
  options: CompileOptions & { prefix?: string; message?: string } = {},
): T {
  const prefix = options.prefix ?? '';
  const problem = keyProblemOf(value);
  if (problem?.problem === 'forbidden-key')
    throw forbiddenKeyError(prefix ? `${prefix}.${problem.path}` : problem.path);
  if (problem) throw tooDeepError(prefix, problem.path);
  const validate = compileSchema<T>(schema, options);
  if (!validate(value)) {
    throw new AppError('validation_failed', options.message ?? 'The request is invalid', {
      errors: toFieldErrors(validate.errors, prefix),
    });
  }
  return value;
}
