import jwt, { type JwtHeader, type JwtPayload, type SigningKeyCallback } from 'jsonwebtoken';
import { SigningKeyNotFoundError } from 'jwks-rsa';
import { AppError, dependencyUnavailable, type Principal, type Role } from '@leadflow/core';
import type { AuthSettings } from './auth-config';
import { isRole } from './permissions';
import { SigningKeys } from './signing-keys';

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

const invalidToken = (detail: string, cause?: unknown) =>
  new AppError('unauthenticated', detail, {
    cause,
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`,
    },
  });

/** Reads `a.b.c` through nested objects; a key may itself contain `:` (custom:tenant_id). */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function rolesFrom(value: unknown): Role[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.filter(isRole);
}

function describeJwtError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof jwt.TokenExpiredError) return invalidToken('The token has expired', error);
  if (error instanceof jwt.NotBeforeError) return invalidToken('The token is not valid yet', error);
  if (error instanceof SigningKeyNotFoundError)
    return invalidToken('The token was signed by an unknown key', error);
  if (error instanceof jwt.JsonWebTokenError) {
    if (error.message.startsWith('jwt issuer invalid'))
      return invalidToken('The token has the wrong issuer', error);
    if (error.message === 'invalid algorithm')
      return invalidToken('The token must be signed with RS256', error);
    if (error.message === 'invalid signature')
      return invalidToken('The token signature is invalid', error);
    return invalidToken('The token is malformed', error);
  }
  return dependencyUnavailable('The token could not be verified right now', error);
}

/**
 * Verifies RS256 tokens against the issuer's signing keys (see SigningKeys) and maps their claims
 * to a Principal.
 */
export function createTokenVerifier(
  settings: AuthSettings,
  keys = new SigningKeys({ jwksUri: settings.jwksUri }),
): TokenVerifier {
  const verifySignature = (token: string) =>
    new Promise<JwtPayload>((resolve, reject) => {
      // jsonwebtoken wraps key-lookup errors in a generic one; keep the original to explain it.
      let keyError: Error | undefined;
      const signingKey = (header: JwtHeader, callback: SigningKeyCallback) => {
        const fail = (error: Error) => {
          keyError = error;
          callback(error);
        };
        if (header.alg !== 'RS256') return fail(new jwt.JsonWebTokenError('invalid algorithm'));
        if (!header.kid) return fail(new SigningKeyNotFoundError('the token names no key id'));
        keys.publicKey(header.kid).then((key) => callback(null, key), fail);
      };
      jwt.verify(
        token,
        signingKey,
        {
          algorithms: ['RS256'],
          issuer: settings.issuer,
          clockTolerance: settings.clockToleranceSeconds,
        },
        (error, payload) => {
          if (error) reject(keyError ?? error);
          else if (!payload || typeof payload === 'string')
            reject(new jwt.JsonWebTokenError('jwt malformed'));
          else resolve(payload);
        },
      );
    });

  const checkAudience = (payload: JwtPayload): void => {
    if (settings.provider !== 'cognito') {
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(settings.audience))
        throw invalidToken('The token is for another audience');
      return;
    }
    if (payload.token_use === 'id') {
      if (payload.aud !== settings.audience)
        throw invalidToken('The token is for another audience');
    } else if (payload.token_use === 'access' && settings.acceptAccessTokens) {
      if (payload.client_id !== settings.audience)
        throw invalidToken('The token is for another client');
    } else {
      throw invalidToken(
        settings.acceptAccessTokens
          ? 'The token must be an ID or access token'
          : 'The token must be an ID token',
      );
    }
  };

  return {
    async verify(token) {
      let payload: JwtPayload;
      try {
        payload = await verifySignature(token);
        checkAudience(payload);
      } catch (error) {
        throw describeJwtError(error);
      }
      // jsonwebtoken checks exp only when it is there: a token without one would never expire.
      if (typeof payload.exp !== 'number') throw invalidToken('The token has no expiry');
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw invalidToken('The token has no subject');
      const tenant = claimAt(payload, settings.tenantClaim);
      if (
        tenant !== undefined &&
        (typeof tenant !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant))
      ) {
        throw invalidToken('The token carries an invalid tenant');
      }
      if (payload.token_use === 'access' && tenant === undefined) {
        throw invalidToken('Access tokens must carry the tenant claim');
      }
      return {
        kind: 'user',
        subject: payload.sub,
        tenantId: tenant,
        roles: rolesFrom(claimAt(payload, settings.rolesClaim)),
        email: typeof payload.email === 'string' ? payload.email : undefined,
      };
    },
  };
}
