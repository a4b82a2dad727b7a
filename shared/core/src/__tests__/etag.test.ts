import { AppError } from '../errors';
import { etagOf, expectedVersion } from '../http/etag';

function codeOf(ifMatch: string | undefined): string {
  try {
    expectedVersion(ifMatch);
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('expectedVersion (If-Match)', () => {
  it('reads the version from the ETag the resource answered with', () => {
    expect(expectedVersion(etagOf(3))).toBe(3);
    expect(expectedVersion(` ${etagOf(12)} `)).toBe(12);
  });

  it('reads the version of an ETag that carries state kept beside the resource, which it does not compare', () => {
    const pending = etagOf(3, [{ state: 'pending' }]);
    const synced = etagOf(3, [{ state: 'synced' }]);
    expect(pending).toMatch(/^"3\.[0-9a-f]{16}"$/);
    expect(synced).not.toBe(pending);
    expect(etagOf(3, [])).toBe('"3"');
    expect(expectedVersion(pending)).toBe(3);
    expect(expectedVersion(synced)).toBe(3);
  });

  it('asks for the header when there is none (428)', () => {
    expect(codeOf(undefined)).toBe('precondition_required');
    expect(codeOf('  ')).toBe('precondition_required');
  });

  it.each([
    ['a weak ETag, which If-Match never matches', 'W/"3"'],
    ['any version', '*'],
    ['a list', '"3", "4"'],
    ['an unquoted number', '3'],
    ['a number too long to be a version', `"${'9'.repeat(16)}"`],
    ['a version with something else after the dot', '"3.not-a-digest"'],
  ])('refuses %s (412)', (_, ifMatch) => {
    expect(codeOf(ifMatch)).toBe('precondition_failed');
  });
});
