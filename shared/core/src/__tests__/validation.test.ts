import { Type } from '@sinclair/typebox';
import { AppError } from '../errors';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  assertValid,
  compileDataSchema,
  compileSchema,
  findForbiddenKey,
  MAX_FIELD_ERRORS,
  MAX_NESTING_DEPTH,
} from '../validation';

const Body = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    age: Type.Optional(Type.Integer({ minimum: 0 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 10 }))),
  },
  { additionalProperties: false },
);

function fieldErrors(value: unknown) {
  try {
    assertValid(Body, value, { prefix: 'body' });
  } catch (error) {
    if (error instanceof AppError) return error.errors;
    throw error;
  }
  return undefined;
}

describe('assertValid', () => {
  it('when the value is valid, then it is answered unchanged', () => {
    expect(assertValid(Body, { email: 'a@b.co' })).toEqual({ email: 'a@b.co' });
  });

  it('when fields are missing, unknown or of the wrong type, then each is named', () => {
    expect(fieldErrors({ age: 'x', extra: 1 })).toEqual(
      expect.arrayContaining([
        { field: 'body.email', message: 'is required' },
        { field: 'body.extra', message: 'is not an allowed field' },
        { field: 'body.age', message: 'must be integer' },
      ]),
    );
  });

  it('when a nested item is invalid, then its path is named', () => {
    expect(fieldErrors({ email: 'a@b.co', tags: ['ok', 'much too long'] })).toEqual([
      { field: 'body.tags.1', message: 'must NOT have more than 10 characters' },
    ]);
  });

  it('when a body has thousands of unknown fields, then the answer names at most MAX_FIELD_ERRORS', () => {
    const body = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    const errors = fieldErrors({ email: 'a@b.co', ...body });
    expect(errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(errors?.[0]).toEqual({ field: 'body.k0', message: 'is not an allowed field' });
  });

  it('when a body carries __proto__, then it is rejected before validation', () => {
    const body = JSON.parse('{"email":"a@b.co","nested":{"__proto__":{"admin":true}}}');
    expect(fieldErrors(body)).toEqual([
      { field: 'body.nested.__proto__', message: 'is a forbidden key' },
    ]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'when a key is %s, then it is found at any depth',
    (key) => {
      expect(findForbiddenKey(JSON.parse(`{"a":[{"${key}":1}]}`))).toBe(`a.0.${key}`);
    },
  );

  it('when a body nests deeper than any contract (10 KB of arrays), then it is a 400 naming its field, not a stack overflow', () => {
    const body = JSON.parse(`{"email":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(fieldErrors(body)).toEqual([
      { field: 'body.email', message: `nests deeper than ${MAX_NESTING_DEPTH} levels` },
    ]);
    const deepInTags = JSON.parse(`{"email":"a@b.co","tags":${'['.repeat(40)}${']'.repeat(40)}}`);
    expect(fieldErrors(deepInTags)).toEqual([
      { field: 'body.tags', message: `nests deeper than ${MAX_NESTING_DEPTH} levels` },
    ]);
  });

  it('when a body nests as deep as allowed, then it is validated as usual', () => {
    let value: unknown = 'x';
    for (let depth = 1; depth < MAX_NESTING_DEPTH; depth++) value = [value];
    expect(fieldErrors({ email: 'a@b.co', tags: value })).toEqual([
      { field: 'body.tags.0', message: 'must be string' },
    ]);
  });
});

describe('compileDataSchema', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  /** Compiles a fresh schema, uses its validator once, drops both; whether the schema is gone. */
  async function collectedOnceDropped(compile: (schema: object) => (value: unknown) => boolean) {
    const schema = (() => {
      const made = { type: 'object', properties: { email: { type: 'string', format: 'email' } } };
      expect(compile(made)({ email: 'a@example.com' })).toBe(true);
      return new WeakRef(made);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    return schema.deref() === undefined;
  }

  it('when the validator of a form’s schema is dropped, then nothing keeps the schema', async () => {
    expect(await collectedOnceDropped(compileDataSchema)).toBe(true);
  });

  it('when a schema of code is compiled, then the shared Ajv keeps it: why data schemas get their own', async () => {
    expect(await collectedOnceDropped(compileSchema)).toBe(false);
  });

  describe('a tenant’s patterns', () => {
    const field = (pattern: string) =>
      compileDataSchema({ type: 'object', properties: { ref: { type: 'string', pattern } } });

    it('when a pattern backtracks exponentially and a value provokes it, then the value is judged at once', () => {
      const validate = field('^([a-z]|[a-z0-9])*$');
      // A backtracking engine would take about 2^60 steps: the VM's timeout ends it and fails the test.
      const judge = (ref: string) =>
        runInNewContext('validate({ ref })', { validate, ref }, { timeout: 2_000 }) as boolean;
      expect(judge(`${'a'.repeat(60)}!`)).toBe(false);
      expect(judge('abc123')).toBe(true);
    });

    it('when a pattern matches part of a value, then the value matches, as JSON Schema says', () => {
      const validate = field('[0-9]{5}');
      expect(validate({ ref: 'DE-10115' })).toBe(true);
      expect(validate({ ref: 'DE-1011' })).toBe(false);
    });

    it('when two fields have different patterns, then each is judged by its own', () => {
      const validate = compileDataSchema({
        type: 'object',
        properties: {
          zip: { type: 'string', pattern: '^[0-9]{5}$' },
          code: { type: 'string', pattern: '^[A-Z]{2}$' },
        },
      });
      expect(validate({ zip: '10115', code: 'DE' })).toBe(true);
      expect(validate({ zip: 'DE', code: '10115' })).toBe(false);
    });

    it('when a stored pattern has a look-ahead, which RE2 cannot run, then it is not enforced rather than refusing every value', () => {
      expect(field('^(?=.*[0-9]).+$')({ ref: 'no digits' })).toBe(true);
    });
  });
});
