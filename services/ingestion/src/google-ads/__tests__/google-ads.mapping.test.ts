import { createHash } from 'node:crypto';
import { findForbiddenKey } from '@leadflow/core';
import { columnIdOf, mapColumns, splitFullName } from '../google-ads.mapping';
import { googleKeyMatches } from '../google-ads.service';

const column = (column_id: string, string_value: string) => ({ column_id, string_value });
const valuesOf = (candidates: Array<{ value: string }> | undefined) =>
  candidates?.map(({ value }) => value);

describe('Google Ads column mapping', () => {
  it('when FULL_NAME comes alone, then it is split into first and last name', () => {
    const mapped = mapColumns([column('FULL_NAME', '  Maria  de la Cruz ')], new Set());
    expect(valuesOf(mapped.fields.firstName)).toEqual(['Maria']);
    expect(valuesOf(mapped.fields.lastName)).toEqual(['de la Cruz']);
    expect(mapped.extra).toEqual({});
  });

  it('when FIRST_NAME or LAST_NAME come, then they are offered first, FULL_NAME’s halves after them', () => {
    const mapped = mapColumns(
      [column('FULL_NAME', 'Maria Cruz'), column('FIRST_NAME', 'Mia'), column('LAST_NAME', 'Diaz')],
      new Set(),
    );
    expect(valuesOf(mapped.fields.firstName)).toEqual(['Mia', 'Maria']);
    expect(valuesOf(mapped.fields.lastName)).toEqual(['Diaz', 'Cruz']);
  });

  it('when EMAIL and WORK_EMAIL both come, then EMAIL is offered first, WORK_EMAIL after it', () => {
    const mapped = mapColumns(
      [column('WORK_EMAIL', 'work@example.com'), column('EMAIL', ' me@example.com ')],
      new Set(),
    );
    expect(mapped.fields.email).toEqual([
      { value: 'me@example.com', column: 1, columnId: 'EMAIL' },
      { value: 'work@example.com', column: 0, columnId: 'WORK_EMAIL' },
    ]);
    expect(mapped.extra).toEqual({});
  });

  it.each([
    [['EMAIL', 'WORK_EMAIL'], 'work_email'],
    [['PHONE_NUMBER', 'WORK_PHONE'], 'work_phone'],
    [['FIRST_NAME', 'LAST_NAME', 'FULL_NAME'], 'full_name'],
  ])(
    'when %j come and the form has a custom field %s, then the column is offered to it too',
    (columnIds, customKey) => {
      const mapped = mapColumns(
        columnIds.map((id) => column(id, `${id} value`)),
        new Set([customKey]),
      );
      expect(mapped.custom[customKey]?.value).toBe(`${customKey.toUpperCase()} value`);
      expect(mapped.extra).toEqual({});
    },
  );

  it('when only WORK_PHONE comes, then it is offered to the phone', () => {
    expect(
      valuesOf(mapColumns([column('WORK_PHONE', '+4930123')], new Set()).fields.phone),
    ).toEqual(['+4930123']);
  });

  it('when a column id, lower-cased, is a custom field of the form, then it is offered to that field', () => {
    const mapped = mapColumns(
      [column('POSTAL_CODE', '10115'), column('CITY', 'Berlin')],
      new Set(['postal_code']),
    );
    expect(mapped.custom.postal_code).toEqual({
      value: '10115',
      column: 0,
      columnId: 'POSTAL_CODE',
    });
    expect(mapped.extra).toEqual({ CITY: { value: 'Berlin', column: 1, columnId: 'CITY' } });
  });

  it('when a column is empty or has no id, then empty ones are skipped and the name stands in for the id', () => {
    const mapped = mapColumns(
      [
        column('CITY', '   '),
        { column_name: 'Favourite colour', string_value: 'blue' },
        { string_value: 'orphan' },
      ],
      new Set(),
    );
    expect(Object.keys(mapped.extra)).toEqual(['Favourite colour', 'COLUMN_2']);
  });

  it('when a column without an id has a long name, then its key is the first 100 characters, a character never split', () => {
    const name = `${'q'.repeat(99)}😀 and the rest of a long question`;
    const mapped = mapColumns([{ column_name: name, string_value: 'yes' }], new Set());
    expect(Object.keys(mapped.extra)).toEqual([`${'q'.repeat(99)}😀`]);
    expect(columnIdOf({ column_name: 'x'.repeat(100) }, 0)).toBe('x'.repeat(100));
    expect(columnIdOf({ column_id: 'EMAIL', column_name: name }, 0)).toBe('EMAIL');
  });

  it('when a column is keyed like a prototype property, then it is kept under a name of its own that no consumer refuses', () => {
    const mapped = mapColumns(
      [
        { column_id: '__proto__', string_value: 'a' },
        { column_name: 'constructor', string_value: 'b' },
        { column_id: 'CONSTRUCTOR', string_value: 'c' },
        { column_id: 'prototype', string_value: 'd' },
      ],
      new Set(['constructor']),
    );
    expect(Object.keys(mapped.custom)).toEqual([]);
    expect(Object.entries(mapped.extra).map(([key, { value }]) => [key, value])).toEqual([
      ['__proto__ (column 0)', 'a'],
      ['constructor (column 1)', 'b'],
      ['CONSTRUCTOR', 'c'],
      ['prototype (column 3)', 'd'],
    ]);
    expect(findForbiddenKey(mapped.extra)).toBeUndefined();
  });

  it.each([
    ['Cher', { firstName: 'Cher' }],
    ['', {}],
    ['Jean Paul Sartre', { firstName: 'Jean', lastName: 'Paul Sartre' }],
  ])('when the full name is %p, then %p', (name, expected) => {
    expect(splitFullName(name)).toEqual(expected);
  });
});

describe('the google_key check', () => {
  const hash = createHash('sha256').update('the-key', 'utf8').digest();

  it('when the key hashes to the form’s hash, then it matches', () => {
    expect(googleKeyMatches('the-key', hash)).toBe(true);
  });

  it('when the key differs, or the form has none, then it does not', () => {
    expect(googleKeyMatches('the-kez', hash)).toBe(false);
    expect(googleKeyMatches('the-key', undefined)).toBe(false);
    expect(googleKeyMatches('the-key', Buffer.alloc(3))).toBe(false);
  });
});
