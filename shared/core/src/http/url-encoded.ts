import { AppError } from '../errors';
import { forbiddenKeyError, isForbiddenKey } from '../validation';

const FORM_PARAMETER_LIMIT = 200;

type FormCharset = 'utf-8' | 'windows-1252';

/**
 * The charset labels a URL-encoded body may name. The Encoding Standard reads ISO-8859-1 and
 * US-ASCII as windows-1252, and so do browsers: a Latin-1 page posts windows-1252.
 */
const FORM_CHARSETS: ReadonlyMap<string, FormCharset> = new Map([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['windows-1252', 'windows-1252'],
  ['cp1252', 'windows-1252'],
  ['iso-8859-1', 'windows-1252'],
  ['latin1', 'windows-1252'],
  ['us-ascii', 'windows-1252'],
]);

/** The field HTML forms fill with the charset they were posted in; it is no value of the form. */
const CHARSET_FIELD = '_charset_';

/** windows-1252 where it is not ISO-8859-1: bytes 0x80 to 0x9F (the five unassigned kept as is). */
const WINDOWS_1252_0X80 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One `name=value` of a URL-encoded body, percent-decoded to the bytes the page wrote. */
interface EncodedEntry {
  name: Buffer;
  value: Buffer;
}

type FormValues = Record<string, string | string[]>;

/** `+` is a space and `%XX` a byte; anything else, a stray `%` too, stands for itself. */
function percentDecode(text: string): Buffer {
  const binary = text
    .replace(/\+/g, ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(binary, 'latin1');
}

function encodedEntryOf(segment: string): EncodedEntry {
  const equals = segment.indexOf('=');
  if (equals === -1) return { name: percentDecode(segment), value: Buffer.alloc(0) };
  return {
    name: percentDecode(segment.slice(0, equals)),
    value: percentDecode(segment.slice(equals + 1)),
  };
}

/** Split as bytes (latin1 maps each byte to one character and back), decoded only later. */
function splitUrlEncoded(body: Buffer): EncodedEntry[] {
  const segments = body.toString('latin1').split('&');
  if (segments.length > FORM_PARAMETER_LIMIT)
    throw new AppError('payload_too_large', 'The request body has too many parameters');
  return segments.filter((segment) => segment !== '').map(encodedEntryOf);
}

function decodeWindows1252(bytes: Buffer): string {
  // Node 20’s TextDecoder('windows-1252') decodes ISO-8859-1 (nodejs/node#60888): € would be lost.
  return bytes
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_0X80.charAt(c.charCodeAt(0) - 0x80));
}

function charsetNamed(label: string): FormCharset {
  const charset = FORM_CHARSETS.get(label.trim().toLowerCase());
  if (!charset) {
    throw new AppError(
      'unsupported_media_type',
      'The request body charset is not supported; send UTF-8 or windows-1252 (ISO-8859-1)',
    );
  }
  return charset;
}

/** The `charset` parameter a Content-Type names, if any. */
export function charsetParameterOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
}

/**
 * The charset a body names: its Content-Type’s, else its `_charset_` field’s. Browsers name
 * none and post in the page’s charset; undefined then, as for an empty name.
 */
function declaredCharset(
  contentType: string | undefined,
  entries: readonly EncodedEntry[],
): FormCharset | undefined {
  const label =
    charsetParameterOf(contentType) ??
    entries
      .find((entry) => entry.name.toString('latin1') === CHARSET_FIELD)
      ?.value.toString('latin1');
  return label ? charsetNamed(label) : undefined;
}

function decodeEntries(
  entries: readonly EncodedEntry[],
  decode: (bytes: Buffer) => string,
): Array<[string, string]> {
  return entries.map(({ name, value }) => [decode(name), decode(value)]);
}

/** Undefined when some bytes are not UTF-8. */
function decodeEntriesAsUtf8(
  entries: readonly EncodedEntry[],
): Array<[string, string]> | undefined {
  try {
    return decodeEntries(entries, (bytes) => strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
}

/**
 * UTF-8 unless the body says windows-1252. A body that names no charset and is not UTF-8 comes
 * from a page in a legacy charset, which in practice is windows-1252.
 */
function decodeUrlEncoded(
  entries: readonly EncodedEntry[],
  charset: FormCharset | undefined,
): Array<[string, string]> {
  if (charset === 'windows-1252') return decodeEntries(entries, decodeWindows1252);
  const utf8 = decodeEntriesAsUtf8(entries);
  if (utf8) return utf8;
  if (charset === 'utf-8')
    throw new AppError('malformed_body', 'The request body is not UTF-8, as its charset says');
  return decodeEntries(entries, decodeWindows1252);
}

/**
 * Checked on the names as sent: assigned to an object, `__proto__` would vanish (it sets the
 * prototype) before the check of the built body could see it.
 */
function rejectForbiddenNames(entries: ReadonlyArray<[string, string]>): void {
  const forbidden = entries.find(([name]) => isForbiddenKey(name));
  if (forbidden) throw forbiddenKeyError(`body.${forbidden[0]}`);
}

/** A repeated name becomes a list; an empty name and `_charset_` are dropped. */
function formValuesOf(entries: ReadonlyArray<[string, string]>): FormValues {
  const values: FormValues = {};
  for (const [name, value] of entries) {
    if (name === '' || name === CHARSET_FIELD) continue;
    // `toString` and the like are inherited, not sent.
    const previous = Object.hasOwn(values, name) ? values[name] : undefined;
    if (previous === undefined) values[name] = value;
    else if (typeof previous === 'string') values[name] = [previous, value];
    else previous.push(value);
  }
  return values;
}

/**
 * A URL-encoded body, as browsers post it: in the page's charset, which they seldom name (see
 * `decodeUrlEncoded`); repeated names become lists.
 */
export function parseUrlEncoded(contentType: string | undefined, body: Buffer): FormValues {
  const entries = splitUrlEncoded(body);
  const decoded = decodeUrlEncoded(entries, declaredCharset(contentType, entries));
  rejectForbiddenNames(decoded);
  return formValuesOf(decoded);
}
