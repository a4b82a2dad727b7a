import { Type, type TSchema } from '@sinclair/typebox';
import { AppError } from '../errors';

export const DEFAULT_PAGE_SIZE = 25;

/** The query parameters of every list: `limit` and the opaque `cursor`. */
export const PaginationQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100,
      default: DEFAULT_PAGE_SIZE,
      description: 'Items per page (1–100).',
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 2048,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'The `nextCursor` of the previous page.',
    }),
  ),
};

/** `{ items, nextCursor }`: nextCursor is null on the last page. */
export function pageOf<T extends TSchema>(item: T, description: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` for the next page; null on the last one.',
      }),
    },
    { additionalProperties: false, description },
  );
}

export type PageKey = Record<string, string | number>;

export function encodeCursor(key: PageKey | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

/**
 * Decodes a cursor and checks that it points into the caller's own partition: a cursor
 * is opaque to clients, never a way to name another tenant's data.
 */
export function decodeCursor(
  cursor: string | undefined,
  expected: Record<string, string>,
): PageKey | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    key !== null &&
    typeof key === 'object' &&
    Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number') &&
    Object.entries(expected).every(([name, value]) => (key as PageKey)[name] === value);
  if (!valid) {
    throw new AppError('validation_failed', 'The cursor is invalid', {
      errors: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  }
  return key as PageKey;
}
