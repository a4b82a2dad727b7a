import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import {
  AppError,
  decodeCursor,
  encodeCursor,
  fingerprint,
  type CursorShape,
  type DynamoDBDocumentClient,
  type PageKey,
} from '@leadflow/core';
import { fromItem, UNASSIGNED, type LeadRecord } from './lead.record';
import type { LeadFilters } from './lead.schema';

export interface LeadQuery {
  tenantId: string;
  filters: LeadFilters;
  limit: number;
  cursor?: string | undefined;
  /** An agent sees only its own and unassigned leads. */
  restrictToOwner?: string | undefined;
  /** Erased leads are left out: only those who may delete see them. */
  hideErased: boolean;
}

/** How many items one request may look at before it answers a short page with a cursor. */
const EVALUATION_BUDGET = 2_000;

interface IndexChoice {
  index?: string;
  hashAttribute: string;
  rangeAttribute: string;
  hashValue: string;
}

/** The most selective index the filters allow: e-mail, then owner, then status, else the table. */
function chooseIndex(tenantId: string, filters: LeadFilters): IndexChoice {
  const t = `TENANT#${tenantId}`;
  if (filters.email)
    return {
      index: 'GSI1',
      hashAttribute: 'GSI1PK',
      rangeAttribute: 'GSI1SK',
      hashValue: `${t}#EMAIL#${filters.email.trim().toLowerCase()}`,
    };
  if (filters.ownerId)
    return {
      index: 'GSI3',
      hashAttribute: 'GSI3PK',
      rangeAttribute: 'GSI3SK',
      hashValue: `${t}#OWNER#${filters.ownerId}`,
    };
  if (filters.status)
    return {
      index: 'GSI2',
      hashAttribute: 'GSI2PK',
      rangeAttribute: 'GSI2SK',
      hashValue: `${t}#STATUS#${filters.status}`,
    };
  return { hashAttribute: 'PK', rangeAttribute: 'SK', hashValue: t };
}

/**
 * What selects a list's leads besides its index, as a digest: filters written differently but
 * meaning the same (`includeDeleted=false` or none, `q` in other case) give the same one.
 */
function listDigest({ filters, restrictToOwner, hideErased }: LeadQuery): string {
  const selection = {
    ...filters,
    email: filters.email?.trim().toLowerCase(),
    q: filters.q?.trim().toLowerCase(),
    // An instant however it is written (`…00Z`, `…00.000Z`, `…+01:00`).
    createdFrom: filters.createdFrom && Date.parse(filters.createdFrom),
    createdTo: filters.createdTo && Date.parse(filters.createdTo),
    includeDeleted: filters.includeDeleted === true,
    restrictToOwner,
    hideErased,
  };
  return fingerprint(selection);
}

/** A page of an index ends at a key with the index's attributes and the table's. */
function cursorShape(query: LeadQuery, choice: IndexChoice): CursorShape {
  return {
    fixed: { PK: `TENANT#${query.tenantId}`, [choice.hashAttribute]: choice.hashValue },
    prefixed: { SK: 'LEAD#', [choice.rangeAttribute]: 'LEAD#' },
    list: listDigest(query),
  };
}

/** One past the last millisecond a ULID can encode. */
const ULID_TIME_END = 2 ** 48;

/**
 * The epoch ms of a date-time the schema let through, within what a ULID encodes. Its format
 * allows a leap second (`23:59:60Z`), which JavaScript cannot read.
 */
function instantOf(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new AppError('validation_failed', 'The request is invalid', {
      errors: [{ field, message: 'is not a time this API can read (a leap second?)' }],
    });
  return Math.min(Math.max(ms, 0), ULID_TIME_END);
}

/**
 * Lead ids are ULIDs: their first ten characters are the creation time, so a time range is a key
 * range: from createdFrom, up to but not including createdTo.
 */
function createdRange(filters: LeadFilters): [string, string] | undefined {
  if (!filters.createdFrom && !filters.createdTo) return undefined;
  const from = filters.createdFrom ? instantOf(filters.createdFrom, 'query.createdFrom') : 0;
  const to = filters.createdTo ? instantOf(filters.createdTo, 'query.createdTo') : ULID_TIME_END;
  if (from >= to) {
    throw new AppError('validation_failed', 'The creation time range is empty', {
      errors: [{ field: 'query.createdTo', message: 'must be later than createdFrom and 1970' }],
    });
  }
  return [`LEAD#${encodeTime(from, 10)}`, `LEAD#${encodeTime(to - 1, 10)}ZZZZZZZZZZZZZZZZ`];
}

/**
 * DynamoDB refuses to start a key range outside its bounds (a 500): the cursor of a page read
 * with another createdFrom or createdTo is the caller's mistake, a 400.
 */
function assertWithin(at: unknown, [from, to]: [string, string]): void {
  if (typeof at === 'string' && at >= from && at <= to) return;
  throw new AppError('validation_failed', 'The cursor is not of this list', {
    errors: [{ field: 'query.cursor', message: 'is of a page outside createdFrom and createdTo' }],
  });
}

/** `q` as the search attributes hold it; blanks alone would match every lead with a name. */
function searchPrefix(q: string): string {
  const prefix = q.trim().toLowerCase();
  if (prefix === '')
    throw new AppError('validation_failed', 'The request query is invalid', {
      errors: [{ field: 'query.q', message: 'must not be blank' }],
    });
  return prefix;
}

function filterExpression(query: LeadQuery, choice: IndexChoice) {
  const { filters } = query;
  const parts: string[] = [];
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  const equal = (attribute: string, value: string | boolean) => {
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    parts.push(`#${attribute} = :${attribute}`);
  };
  if (filters.status && choice.index !== 'GSI2') equal('status', filters.status);
  if (filters.ownerId && choice.index !== 'GSI3') {
    if (filters.ownerId === UNASSIGNED) parts.push('attribute_not_exists(ownerId)');
    else equal('ownerId', filters.ownerId);
  }
  if (filters.formId) equal('formId', filters.formId);
  if (filters.source) equal('source', filters.source);
  if (filters.isTest !== undefined) equal('isTest', filters.isTest);
  if (filters.q !== undefined) {
    values[':q'] = searchPrefix(filters.q);
    parts.push(
      '(begins_with(searchName, :q) OR begins_with(searchLast, :q) OR begins_with(searchCompany, :q))',
    );
  }
  if (!filters.includeDeleted) parts.push('attribute_not_exists(deletedAt)');
  if (query.hideErased) parts.push('attribute_not_exists(erasedAt)');
  if (query.restrictToOwner) {
    values[':me'] = query.restrictToOwner;
    parts.push('(attribute_not_exists(ownerId) OR ownerId = :me)');
  }
  return { expression: parts.join(' AND '), names, values };
}

function keyOf(item: Record<string, unknown>, choice: IndexChoice): PageKey {
  const key: PageKey = { PK: String(item.PK), SK: String(item.SK) };
  if (choice.index) {
    key[choice.hashAttribute] = String(item[choice.hashAttribute]);
    key[choice.rangeAttribute] = String(item[choice.rangeAttribute]);
  }
  return key;
}

/** Newest first, through the best index, with the remaining filters applied by DynamoDB. */
export async function queryLeads(
  db: DynamoDBDocumentClient,
  table: string,
  query: LeadQuery,
): Promise<{ items: LeadRecord[]; nextCursor: string | null }> {
  const choice = chooseIndex(query.tenantId, query.filters);
  const range = createdRange(query.filters);
  const filter = filterExpression(query, choice);
  const input: QueryCommandInput = {
    TableName: table,
    ...(choice.index ? { IndexName: choice.index } : {}),
    KeyConditionExpression: range
      ? '#hash = :hash AND #range BETWEEN :from AND :to'
      : '#hash = :hash AND begins_with(#range, :lead)',
    ExpressionAttributeNames: {
      '#hash': choice.hashAttribute,
      '#range': choice.rangeAttribute,
      ...filter.names,
    },
    ExpressionAttributeValues: {
      ':hash': choice.hashValue,
      ...(range ? { ':from': range[0], ':to': range[1] } : { ':lead': 'LEAD#' }),
      ...filter.values,
    },
    ...(filter.expression ? { FilterExpression: filter.expression } : {}),
    ScanIndexForward: false,
  };
  const items: Record<string, unknown>[] = [];
  const shape = cursorShape(query, choice);
  let startKey = decodeCursor(query.cursor, shape);
  if (startKey && range) assertWithin(startKey[choice.rangeAttribute], range);
  let evaluated = 0;
  // One item past the page, so a page that ends the list says so: DynamoDB answers a
  // LastEvaluatedKey whenever a Query stops at its Limit, even with nothing left.
  let batch = query.limit + 1;
  for (;;) {
    const result = await db.send(
      new QueryCommand({ ...input, Limit: batch, ExclusiveStartKey: startKey }),
    );
    const scanned = result.ScannedCount ?? 0;
    const matched = result.Items ?? [];
    evaluated += scanned;
    for (const item of matched) {
      if (items.length === query.limit) break;
      items.push(item);
    }
    if (items.length === query.limit) {
      const last = items[items.length - 1]!;
      const exhausted = !result.LastEvaluatedKey && matched[matched.length - 1] === last;
      return {
        items: items.map(fromItem),
        nextCursor: exhausted ? null : encodeCursor(keyOf(last, choice), shape.list),
      };
    }
    startKey = result.LastEvaluatedKey as PageKey | undefined;
    if (!startKey || evaluated >= EVALUATION_BUDGET)
      return { items: items.map(fromItem), nextCursor: encodeCursor(startKey, shape.list) };
    // Filters skipped some: read further ahead in proportion, so a sparse filter takes few round trips.
    const hitRate = Math.max(matched.length / Math.max(scanned, 1), 0.05);
    batch = Math.min(1_000, Math.ceil((query.limit - items.length) / hitRate) + 1);
  }
}
