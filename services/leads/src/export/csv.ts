import { STANDARD_FIELDS } from '@leadflow/contracts';
import type { LeadRecord } from '../leads/lead.record';

/**
 * A formula's first character where a spreadsheet may start a cell: at the text's start, and
 * after any separator a locale may split on (`,`, `;` where the decimal mark is a comma, tab)
 * or a line break — a spreadsheet splitting on `;` makes `Max;=cmd|…` two cells.
 */
const FORMULA_AT_CELL_START = /(?<=^|[,;\t\r\n])[=+\-@\t\r]/g;

/**
 * A spreadsheet must show the text, never run it: wherever a cell could start like a formula, a
 * quote comes first. The separator is looked behind, not matched: a tab or CR is both a formula
 * character and a separator, and the `=` after it needs its own quote.
 */
export function neutralise(value: string): string {
  return value.replace(FORMULA_AT_CELL_START, "'$&");
}

/** RFC 4180: quoted when it holds a separator, a quote or a line break; quotes doubled. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = neutralise(Array.isArray(value) ? value.join('; ') : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;

const FIXED = ['id', 'createdAt', 'status', 'ownerId', 'formId', 'source'] as const;
const BUILT_IN_COLUMNS: ReadonlySet<string> = new Set([...FIXED, ...STANDARD_FIELDS, 'isTest']);

/**
 * The columns of an export: fixed ones, the standard fields, the tenant's custom fields. A custom
 * field named like a built-in column (`status`, `source`) is headed `custom.<key>`: importers
 * that map columns by name would otherwise take one for the other.
 */
export function csvColumns(customKeys: string[]) {
  const customHeaders = customKeys.map((key) =>
    BUILT_IN_COLUMNS.has(key) ? `custom.${key}` : key,
  );
  return {
    header: csvRow([...FIXED, ...STANDARD_FIELDS, 'isTest', ...customHeaders]),
    row: (lead: LeadRecord) =>
      csvRow([
        lead.leadId,
        lead.createdAt,
        lead.status,
        lead.ownerId,
        lead.formId,
        lead.source,
        ...STANDARD_FIELDS.map((field) => lead.fields[field]),
        lead.isTest,
        ...customKeys.map((key) => lead.custom[key]),
      ]),
  };
}
