import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { ConfigError, Env } from '@leadflow/core';

export const AUTH_PROVIDERS = ['cognito', 'supabase', 'oidc'] as const;
export type AuthProvider = (typeof AUTH_PROVIDERS)[number];

/** The variables every API service reads to verify tokens. */
export const AuthConfigSchema = Type.Object({
  AUTH_PROVIDER: Env.oneOf(AUTH_PROVIDERS, 'Who issues user tokens', 'cognito'),
  AUTH_ISSUER: Env.url(
    'Expected `iss` of user tokens, e.g. https://cognito-idp.<region>.amazonaws.com/<userPoolId>',
  ),
  AUTH_AUDIENCE: Env.string(
    'Expected audience: the Cognito app client id, or `authenticated` for Supabase',
  ),
  AUTH_JWKS_URI: Env.optional(Env.url('JWKS location; defaults to <issuer>/.well-known/jwks.json')),
  AUTH_ACCEPT_ACCESS_TOKENS: Env.boolean(
    'Cognito: also accept access tokens that carry the tenant claim',
    false,
  ),
  AUTH_TENANT_CLAIM: Env.optional(
    Env.string(
      'Claim path of the tenant id; default custom:tenant_id (Cognito) or app_metadata.tenant_id',
    ),
  ),
  AUTH_ROLES_CLAIM: Env.optional(
    Env.string('Claim path of the roles; default cognito:groups (Cognito) or app_metadata.roles'),
  ),
  AUTH_CLOCK_TOLERANCE_SECONDS: Env.integer('Allowed clock skew for exp and nbf', {
    default: 30,
    minimum: 0,
    maximum: 60,
  }),
});

export interface AuthSettings {
  provider: AuthProvider;
  issuer: string;
  audience: string;
  jwksUri: string;
  acceptAccessTokens: boolean;
  tenantClaim: string;
  rolesClaim: string;
  clockToleranceSeconds: number;
}

interface AuthConfig {
  AUTH_PROVIDER: AuthProvider;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_JWKS_URI?: string | undefined;
  AUTH_ACCEPT_ACCESS_TOKENS: boolean;
  AUTH_TENANT_CLAIM?: string | undefined;
  AUTH_ROLES_CLAIM?: string | undefined;
  AUTH_CLOCK_TOLERANCE_SECONDS: number;
}

const CLAIM_DEFAULTS: Record<AuthProvider, { tenant: string; roles: string }> = {
  cognito: { tenant: 'custom:tenant_id', roles: 'cognito:groups' },
  supabase: { tenant: 'app_metadata.tenant_id', roles: 'app_metadata.roles' },
  oidc: { tenant: 'tenant_id', roles: 'roles' },
};

/** Loopback, private, link-local and unique-local addresses: never a production JWKS. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local')
  )
    return true;
  const version = isIP(host);
  if (version === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6) {
    if (host.startsWith('::ffff:')) return isPrivateHost(host.slice(7));
    return host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}

export function authSettings(config: AuthConfig, nodeEnv: string): AuthSettings {
  const jwksUri =
    config.AUTH_JWKS_URI ?? `${config.AUTH_ISSUER.replace(/\/$/, '')}/.well-known/jwks.json`;
  const url = new URL(jwksUri);
  if (nodeEnv === 'production') {
    // The local emulator signs with a key anyone can read: production must never trust it.
    if (isPrivateHost(url.hostname))
      throw new ConfigError([
        `AUTH_JWKS_URI must not point at a loopback or private address in production (${url.hostname})`,
      ]);
    if (url.protocol !== 'https:')
      throw new ConfigError(['AUTH_JWKS_URI must use https in production']);
  }
  const defaults = CLAIM_DEFAULTS[config.AUTH_PROVIDER];
  return {
    provider: config.AUTH_PROVIDER,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    jwksUri,
    acceptAccessTokens: config.AUTH_ACCEPT_ACCESS_TOKENS,
    tenantClaim: config.AUTH_TENANT_CLAIM ?? defaults.tenant,
    rolesClaim: config.AUTH_ROLES_CLAIM ?? defaults.roles,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
  };
}
