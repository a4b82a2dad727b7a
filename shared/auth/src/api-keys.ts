import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'lf_live_';
const KEY_BODY = /^lf_live_[A-Za-z0-9]{40}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new key: 40 base62 characters (~238 bits) after `lf_live_`. Shown once, never stored. */
export function generateApiKey(): string {
  const bytes = randomBytes(64);
  let body = '';
  for (const byte of bytes) {
    // 62 * 4 = 248: rejecting bytes ≥ 248 keeps every character equally likely.
    if (byte < 248) body += ALPHABET[byte % 62];
    if (body.length === 40) break;
  }
  return body.length === 40 ? `${API_KEY_PREFIX}${body}` : generateApiKey();
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_BODY.test(value);
}

/** What is stored: SHA-256 of the key, hex. A key with this much entropy needs no slow hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What a list shows: enough to recognise a key, too little to use it. */
export function displayPrefix(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 4)}…`;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The tenants-table item that resolves a key's hash to its tenant. */
export function apiKeyLookupKey(hash: string): { PK: string; SK: string } {
  return { PK: `APIKEY#${hash}`, SK: 'APIKEY' };
}
