import type { RequestHandler } from 'express';
import {
  AppError,
  enterTenant,
  setPrincipal,
  type AuthRequirement,
  type Principal,
} from '@leadflow/core';
import type { ApiKeyResolver } from './api-key-resolver';
import type { AuthSettings } from './auth-config';
import { can, PERMISSION_MATRIX, type Permission, type Role } from './permissions';
import type { TokenVerifier } from './token-verifier';

export interface AuthenticatorDeps {
  verifier?: TokenVerifier;
  apiKeys?: ApiKeyResolver;
  /**
   * The roles a tenant's member has now, from the member list (none: no longer a member). Given,
   * they replace the roles of a signed-in caller's token, so that a removal or a change of role
   * applies before the token expires.
   */
  liveRoles?: (tenantId: string, memberId: string) => Promise<readonly Role[]>;
}

/**
 * The member list decides a signed-in user's roles only where Leadflow keeps it: with Cognito,
 * into whose pool tenant-config invites members (keyed by their `sub`). Another issuer
 * (Supabase, OIDC) manages its users itself; its tokens' roles decide, and a removal applies
 * when the token expires.
 */
export function liveRolesUnder(
  settings: Pick<AuthSettings, 'provider'>,
  liveRoles: NonNullable<AuthenticatorDeps['liveRoles']>,
): AuthenticatorDeps['liveRoles'] {
  return settings.provider === 'cognito' ? liveRoles : undefined;
}

/** A 401 says how to authenticate (RFC 9110): here, the tenant API key header. */
const API_KEY_CHALLENGE = { 'WWW-Authenticate': 'ApiKey header="X-Api-Key"' };

const missingToken = () =>
  new AppError('unauthenticated', 'A bearer token is required', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

function bearerToken(header: string | undefined): string {
  if (!header) throw missingToken();
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError('unauthenticated', 'The Authorization header must be `Bearer <token>`', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
    });
  }
  return match[1];
}

function authorise(principal: Principal, permission: Permission, tenantRequired: boolean): void {
  if (!can(principal.roles, permission))
    throw new AppError('forbidden', `Your role may not do this (${permission})`);
  if (tenantRequired && !principal.tenantId)
    throw new AppError('forbidden', 'Your account belongs to no tenant');
}

async function withLiveRoles(
  principal: Principal,
  liveRoles: AuthenticatorDeps['liveRoles'],
): Promise<Principal> {
  if (!liveRoles || !principal.tenantId) return principal;
  const roles = await liveRoles(principal.tenantId, principal.subject);
  if (roles.length === 0)
    throw new AppError('forbidden', 'You are no longer a member of this tenant');
  return { ...principal, roles: [...roles] };
}

function accept(req: Parameters<RequestHandler>[0], principal: Principal): void {
  setPrincipal(req, principal);
  if (principal.tenantId) enterTenant(principal.tenantId);
}

/**
 * Turns an operation's auth requirement into middleware: verify the caller, put the
 * principal and its tenant on the request, check the permission. 401 without a valid
 * identity, 403 without the permission.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  return (auth: AuthRequirement): RequestHandler | undefined => {
    switch (auth.scheme) {
      case 'none':
        return undefined;
      case 'bearer': {
        const { verifier } = deps;
        if (!verifier) throw new Error('bearer operations need a token verifier');
        const permission = auth.permission as Permission;
        const tenantRequired = auth.tenantRequired ?? true;
        return async (req, _res, next) => {
          const principal = await withLiveRoles(
            await verifier.verify(bearerToken(req.headers.authorization)),
            deps.liveRoles,
          );
          authorise(principal, permission, tenantRequired);
          accept(req, principal);
          next();
        };
      }
      case 'apiKey': {
        const { apiKeys } = deps;
        if (!apiKeys) throw new Error('API key operations need an API key resolver');
        return async (req, _res, next) => {
          const key = req.headers['x-api-key'];
          if (typeof key !== 'string' || key === '') {
            throw new AppError('unauthenticated', 'An X-Api-Key header is required', {
              headers: API_KEY_CHALLENGE,
            });
          }
          const principal = await apiKeys.resolve(key);
          if (!principal)
            throw new AppError('unauthenticated', 'The API key is unknown or revoked', {
              headers: API_KEY_CHALLENGE,
            });
          accept(req, principal);
          next();
        };
      }
    }
  };
}

/** The tenant of the caller; every DynamoDB key is built from this and nothing else. */
export function tenantOf(principal: Principal | undefined): string {
  if (!principal?.tenantId) throw new AppError('forbidden', 'Your account belongs to no tenant');
  return principal.tenantId;
}

export function hasPermission(principal: Principal | undefined, permission: Permission): boolean {
  return principal !== undefined && can(principal.roles, permission);
}

/** The auth requirement of an operation that needs a signed-in user with `permission`. */
export function requires(
  permission: Permission,
  options: { tenantRequired?: boolean } = {},
): AuthRequirement {
  return { scheme: 'bearer', permission, roles: PERMISSION_MATRIX[permission], ...options };
}
