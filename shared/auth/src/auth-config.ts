import { BlockList, isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { ConfigError, Env } from '@leadflow/core';

export const AUTH_PROVIDERS = ['cognito', 'supabase', 'oidc'] as const;
export type AuthProvider = (typeof AUTH_PROVIDERS)[number];

/** The variables every API service reads to verify tokens. */
/** `https://app.example.com,http://localhost:5173`, or nothing. */
const ORIGIN_LIST = '^$|^https?://[^,/\\s]+(,https?://[^,/\\s]+)*$';

export const AuthConfigSchema = Type.Object({
  FRONTEND_ORIGINS: Env.string(
    'Origins (scheme://host[:port], comma-separated) of the product UI, which may call this API from a browser (CORS); empty: none',
    { default: '', minLength: 0, pattern: ORIGIN_LIST },
  ),
  AUTH_PROVIDER: Env.oneOf(
    AUTH_PROVIDERS,
    'Who issues user tokens. cognito: the tenant’s member list (the members API) decides a user’s role, and a removal applies at once; supabase or oidc: that issuer manages users, the roles in its tokens decide, and a removal applies when the token expires',
    'cognito',
  ),
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

/**
 * Addresses production never calls (a JWKS, a CRM endpoint a tenant names): loopback, private,
 * link-local (the instance metadata endpoint), carrier-grade NAT, documentation, benchmarking,
 * multicast and reserved ranges. IPv4-mapped IPv6 addresses are checked against the IPv4 rules.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(network, prefix, 'ipv6');

/** True for an address in those ranges, and for anything that is not an IP address. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const plain = address.toLowerCase();
  // ::ffff:a.b.c.d and ::ffff:7f00:1 both reach an IPv4 host.
  const mapped = /^::ffff:(.+)$/.exec(plain)?.[1];
  if (mapped) {
    if (isIP(mapped) === 4) return isBlockedAddress(mapped);
    const [high = '', low = ''] = mapped.split(':');
    const word = (hex: string) => parseInt(hex || '0', 16);
    const v4 = [word(high) >> 8, word(high) & 255, word(low) >> 8, word(low) & 255].join('.');
    return isBlockedAddress(v4);
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A local name, or an address production never calls (see isBlockedAddress). A name of one
 * label (`moto`, `metadata`) resolves only through a local search domain; a final dot
 * (`localhost.`) names the same host.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');
  if (isIP(host) !== 0) return isBlockedAddress(host);
  return (
    !host.includes('.') ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local')
  );
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
