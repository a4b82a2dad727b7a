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
      description:
        'The `nextCursor` of the previous page, sent with the same filters (`limit` may change); a cursor of a list with other filters answers 400, so start again from the first page when the filters change.',
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

/** Where a cursor carries its list's `CursorShape.list`: no key attribute is named so. */
const LIST = '~list';

/** The cursor after `key`; with `list`, only a list that has that digest takes it. */
export function encodeCursor(key: PageKey | undefined, list?: string): string | null {
  if (!key) return null;
  const content = list === undefined ? key : { ...key, [LIST]: list };
  return Buffer.from(JSON.stringify(content)).toString('base64url');
}

/** What a cursor of one list must look like: the key of an item that list can return. */
export interface CursorShape {
  /** Key attributes whose value is fixed by the caller's list: its tenant's partition. */
  fixed: Record<string, string>;
  /** The other key attributes, each with the prefix every item of the list has there. */
  prefixed: Record<string, string>;
  /**
   * A digest of what else selects the list's items (its filters): a cursor of a list read
   * through the same index with other filters has the right shape, and would skip items.
   */
  list?: string;
}

/** The key without its list digest, when that is the digest given; else nothing of use. */
function ofList(content: unknown, list: string): unknown {
  if (content === null || typeof content !== 'object') return undefined;
  const { [LIST]: digest, ...key } = content as Record<string, unknown>;
  return digest === list ? key : undefined;
}

function fitsShape(key: unknown, shape: CursorShape): key is PageKey {
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return false;
  const names = Object.keys(key);
  const expected = [...Object.keys(shape.fixed), ...Object.keys(shape.prefixed)];
  if (names.length !== expected.length) return false;
  const value = (name: string) => (key as Record<string, unknown>)[name];
  return (
    Object.entries(shape.fixed).every(([name, fixed]) => value(name) === fixed) &&
    Object.entries(shape.prefixed).every(([name, prefix]) => {
      const v = value(name);
      return typeof v === 'string' && v.startsWith(prefix);
    })
  );
}

/**
 * Decodes a cursor and checks that it is the key of an item of the caller's own list: a cursor
 * is opaque to clients, never a way to name another tenant's data, and one that was altered or
 * belongs to another list is a 400, not a query DynamoDB refuses.
 */
export function decodeCursor(cursor: string | undefined, shape: CursorShape): PageKey | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (shape.list !== undefined) key = ofList(key, shape.list);
  if (!fitsShape(key, shape)) {
    throw new AppError('validation_failed', 'The cursor is invalid', {
      errors: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  }
  return key;
}
