const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Characters a JSON number literal can contain after its first one. */
function isNumberPart(code: number): boolean {
  return (
    isDigit(code) ||
    code === 0x2e ||
    code === 0x65 ||
    code === 0x45 ||
    code === 0x2b ||
    code === MINUS
  );
}

/**
 * JSON.parse, except that every integer literal arrives as the string of its digits.
 *
 * Google Ads sends int64 ids (`form_id`, `campaign_id`, …) as JSON numbers, and they can
 * exceed 2^53: JSON.parse (and so any reviver, which sees the already rounded number) would
 * silently change them. The text is scanned once — strings skipped with their escapes — and
 * each integer literal outside a string is quoted before JSON.parse sees it. Fractions and
 * exponents stay numbers. The text is first parsed as it is, so that malformed JSON stays an
 * error (`{1: 2}` would otherwise become a valid `{"1": "2"}`).
 */
export function parseJsonKeepingIntegers(text: string): unknown {
  JSON.parse(text);
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i += 1;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (c === BACKSLASH) i += 2;
        else if (c === QUOTE) {
          i += 1;
          break;
        } else i += 1;
      }
    } else if (code === MINUS || isDigit(code)) {
      const start = i;
      i += 1;
      while (i < length && isNumberPart(text.charCodeAt(i))) i += 1;
      const token = text.slice(start, i);
      if (INTEGER.test(token)) {
        out += `${text.slice(copiedUpTo, start)}"${token}"`;
        copiedUpTo = i;
      }
    } else {
      i += 1;
    }
  }
  return JSON.parse(copiedUpTo === 0 ? text : out + text.slice(copiedUpTo));
}
