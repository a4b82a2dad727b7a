import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { AppError } from '../errors';

/**
 * A strong ETag from a resource's version number. `beside`: state answered with the resource but
 * kept apart from its versioned item (a lead's CRM sync state); a digest of it follows the
 * version after a dot, so that a change to it answers a GET 200, not 304. If-Match compares the
 * version only, as that state is not the caller's to change.
 */
export function etagOf(version: number, beside: readonly unknown[] = []): string {
  if (beside.length === 0) return `"${version}"`;
  const digest = createHash('sha256').update(JSON.stringify(beside)).digest('hex').slice(0, 16);
  return `"${version}.${digest}"`;
}

export const IfMatchHeader = {
  'If-Match': {
    description:
      'The ETag of the version you read; the update applies only if it is still current. One strong ETag: `*`, a list or a weak ETag (`W/"3"`, which If-Match never matches) answers 412, as an update must name the version it was made from.',
    required: true,
    schema: Type.String({ maxLength: 64 }),
    example: '"3"',
  },
};

export const ETagHeader = {
  ETag: { description: 'The version of the resource, for If-Match.', schema: Type.String() },
};

/**
 * The version an update expects, from If-Match: 428 without it, 412 when it names none. If-Match
 * compares strongly (RFC 9110 §13.1.1): a weak ETag, such as one a proxy weakened after
 * changing the body, never matches.
 */
export function expectedVersion(ifMatch: string | undefined): number {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new AppError(
      'precondition_required',
      'This update needs an If-Match header with the ETag you read',
    );
  }
  const match = /^"(\d{1,15})(?:\.[0-9a-f]{16})?"$/.exec(ifMatch.trim());
  if (!match)
    throw new AppError('precondition_failed', 'If-Match does not name a version of this resource');
  return Number(match[1]);
}

export const staleVersion = () =>
  new AppError(
    'precondition_failed',
    'The resource changed since you read it; fetch it again and reapply your change',
  );
