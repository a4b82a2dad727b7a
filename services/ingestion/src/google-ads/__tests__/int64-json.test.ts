import fc from 'fast-check';
import { parseJsonKeepingIntegers } from '../int64-json';

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/** What the parser should answer for a value: every integer as the string JSON wrote for it. */
function integersAsStrings(value: unknown): unknown {
  if (typeof value === 'number') {
    const written = JSON.stringify(value);
    return INTEGER.test(written) ? written : value;
  }
  if (Array.isArray(value)) return value.map(integersAsStrings);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, integersAsStrings(v)]));
  return value;
}

describe('parseJsonKeepingIntegers', () => {
  it('when an id exceeds 2^53, then its digits arrive unchanged', () => {
    const parsed = parseJsonKeepingIntegers(
      '{"form_id": 9007199254740993, "campaign_id": -12345678901234567890, "n": 0}',
    );
    expect(parsed).toEqual({
      form_id: '9007199254740993',
      campaign_id: '-12345678901234567890',
      n: '0',
    });
  });

  it('when numbers have a fraction or an exponent, then they stay numbers', () => {
    expect(parseJsonKeepingIntegers('[1.5, 2e3, -0.25E-2, 10]')).toEqual([
      1.5,
      2000,
      -0.0025,
      '10',
    ]);
  });

  it('when digits are inside strings, with escaped quotes, then the strings are untouched', () => {
    expect(parseJsonKeepingIntegers('{"a": "12 \\"34\\" 56", "b\\"7": 8}')).toEqual({
      a: '12 "34" 56',
      'b"7': '8',
    });
  });

  it.each(['{1: 2}', '{"a": 01}', '{"a": -}', '[1 2]', '{"a": 1', '"unterminated', ''])(
    'when the text is not JSON (%p), then it throws like JSON.parse',
    (text) => {
      expect(() => parseJsonKeepingIntegers(text)).toThrow(SyntaxError);
    },
  );

  it('when any JSON value is written and read back, then it equals the value with integers as strings', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parseJsonKeepingIntegers(JSON.stringify(value))).toEqual(integersAsStrings(value));
      }),
      { numRuns: 500 },
    );
  });

  it('when a __proto__ key is sent, then it is an own property, not a prototype', () => {
    const parsed = parseJsonKeepingIntegers('{"__proto__": {"polluted": 1}}') as object;
    expect(Object.prototype.hasOwnProperty.call(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
