import {
  apiKeyMatches,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
} from '../api-keys';

describe('API keys', () => {
  it('when generated, then keys look like lf_live_ + 40 base62 characters and never repeat', () => {
    const keys = new Set(Array.from({ length: 500 }, generateApiKey));
    expect(keys.size).toBe(500);
    for (const key of keys) expect(looksLikeApiKey(key)).toBe(true);
  });

  it('when hashed, then the hash is SHA-256 hex and matches only its key', () => {
    const key = generateApiKey();
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(generateApiKey(), hash)).toBe(false);
    expect(apiKeyMatches(key, 'abc')).toBe(false);
  });

  it('when displayed, then only the first characters show', () => {
    expect(displayPrefix('lf_live_ABCDEFGHIJ')).toBe('lf_live_ABCD…');
  });
});
