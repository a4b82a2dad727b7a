import type { StandardField } from '@leadflow/contracts';
import { isForbiddenKey } from '@leadflow/core';

export interface GoogleAdsColumn {
  column_id?: string | undefined;
  column_name?: string | undefined;
  string_value?: string | undefined;
}

/** Column ids that may fill a standard field, best first; FULL_NAME's halves come after them. */
const STANDARD_COLUMNS: ReadonlyArray<[columnId: string, field: StandardField]> = [
  ['FIRST_NAME', 'firstName'],
  ['LAST_NAME', 'lastName'],
  ['EMAIL', 'email'],
  ['WORK_EMAIL', 'email'],
  ['PHONE_NUMBER', 'phone'],
  ['WORK_PHONE', 'phone'],
  ['COMPANY_NAME', 'company'],
  ['JOB_TITLE', 'jobTitle'],
];

/** Where a value came from: the index of its column in `user_column_data`. */
export type ColumnIndex = number;

export interface MappedValue {
  value: string;
  column: ColumnIndex;
  columnId: string;
}

export interface MappedColumns {
  /**
   * The columns that may fill each standard field, best first: the first whose value the lead
   * takes fills it (a WORK_EMAIL when the EMAIL is no e-mail address).
   */
  fields: Partial<Record<StandardField, MappedValue[]>>;
  /**
   * Values for the form's custom fields, by field key. A column also offered to a standard
   * field fills its custom field only when it fills no standard one (a second WORK_EMAIL).
   */
  custom: Record<string, MappedValue>;
  /** Every other column, by column id, as Google sent it. */
  extra: Record<string, MappedValue>;
}

/** The longest key `context.adPlatform.extra` holds, in characters (the lead contract’s limit). */
export const COLUMN_ID_MAX_LENGTH = 100;

/** The longest value `context.adPlatform.extra` holds, in characters (the lead contract’s limit). */
export const EXTRA_VALUE_MAX_LENGTH = 2000;

/** The first `max` characters of `text`, counted as code points, as the contract counts them. */
export function truncated(text: string, max: number): string {
  // No more UTF-16 units than `max` is no more characters either: the usual case, kept cheap.
  if (text.length <= max) return text;
  const characters = Array.from(text);
  return characters.length <= max ? text : characters.slice(0, max).join('');
}

/**
 * The id a column is known by: its column_id, else its column_name (a question’s text, which
 * can be long: cut to the length a key can have), else its position.
 */
export function columnIdOf(column: GoogleAdsColumn, index: ColumnIndex): string {
  const id = column.column_id?.trim() || column.column_name?.trim() || `COLUMN_${index}`;
  // A key like `constructor` would make every consumer refuse the event (and `__proto__` would
  // vanish from it): such a column is kept under a name of its own.
  return truncated(isForbiddenKey(id) ? `${id} (column ${index})` : id, COLUMN_ID_MAX_LENGTH);
}

/** "Maria de la Cruz" → Maria / de la Cruz; a single word is a first name. */
export function splitFullName(fullName: string): { firstName?: string; lastName?: string } {
  const trimmed = fullName.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return {};
  const space = trimmed.indexOf(' ');
  if (space < 0) return { firstName: trimmed };
  return { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1) };
}

/**
 * Sorts Google's columns into the lead's standard fields, the form's custom fields (a column
 * whose id, lower-cased, is one of them) and everything else, keyed by column id. Nothing a
 * person typed is dropped: a column that fills nothing is kept in `extra`.
 */
export function mapColumns(
  columns: readonly GoogleAdsColumn[],
  customFieldKeys: ReadonlySet<string>,
): MappedColumns {
  const byId = new Map<string, MappedValue>();
  columns.forEach((column, index) => {
    const value = column.string_value;
    if (value === undefined || value.trim() === '') return;
    const columnId = columnIdOf(column, index);
    if (!byId.has(columnId)) byId.set(columnId, { value: value.trim(), column: index, columnId });
  });
  const mapped: MappedColumns = { fields: {}, custom: {}, extra: {} };
  const offered = new Set<string>();
  const offer = (field: StandardField, found: MappedValue) => {
    (mapped.fields[field] ??= []).push(found);
    offered.add(found.columnId);
  };
  for (const [columnId, field] of STANDARD_COLUMNS) {
    const found = byId.get(columnId);
    if (found) offer(field, found);
  }
  const fullName = byId.get('FULL_NAME');
  if (fullName) {
    const { firstName, lastName } = splitFullName(fullName.value);
    if (firstName) offer('firstName', { ...fullName, value: firstName });
    if (lastName) offer('lastName', { ...fullName, value: lastName });
  }
  for (const [columnId, found] of byId) {
    const key = columnId.toLowerCase();
    if (customFieldKeys.has(key) && !isForbiddenKey(key)) mapped.custom[key] = found;
    else if (!offered.has(columnId)) mapped.extra[columnId] = found;
  }
  return mapped;
}
