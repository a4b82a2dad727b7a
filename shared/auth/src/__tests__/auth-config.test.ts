import { ConfigError } from '@leadflow/core';
import { authSettings, isPrivateHost } from '../auth-config';

const base = {
  AUTH_PROVIDER: 'cognito' as const,
  AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_AUDIENCE: 'client',
  AUTH_ACCEPT_ACCESS_TOKENS: false,
  AUTH_CLOCK_TOLERANCE_SECONDS: 30,
};

describe('auth settings', () => {
  it('when the JWKS is not set, then it is the issuer’s well-known JWKS', () => {
    expect(authSettings(base, 'production').jwksUri).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
    );
  });

  it.each([
    'http://127.0.0.1:4566/pool/.well-known/jwks.json',
    'https://localhost/jwks',
    'https://10.1.2.3/jwks',
    'https://[::1]/jwks',
    'https://192.168.1.1/jwks',
    'https://169.254.169.254/jwks',
  ])('when production is given a JWKS at %s, then it refuses to start', (jwks) => {
    expect(() => authSettings({ ...base, AUTH_JWKS_URI: jwks }, 'production')).toThrow(ConfigError);
  });

  it('when development is given a loopback JWKS, then it is accepted', () => {
    expect(
      authSettings(
        { ...base, AUTH_JWKS_URI: 'http://127.0.0.1:4566/p/.well-known/jwks.json' },
        'development',
      ).jwksUri,
    ).toContain('127.0.0.1');
  });

  it('when the provider is supabase, then claims come from app_metadata', () => {
    const settings = authSettings(
      {
        ...base,
        AUTH_PROVIDER: 'supabase',
        AUTH_ISSUER: 'https://ref.supabase.co/auth/v1',
        AUTH_AUDIENCE: 'authenticated',
      },
      'production',
    );
    expect(settings).toMatchObject({
      tenantClaim: 'app_metadata.tenant_id',
      rolesClaim: 'app_metadata.roles',
      jwksUri: 'https://ref.supabase.co/auth/v1/.well-known/jwks.json',
    });
  });

  it('when hosts are public, then they are not private', () => {
    expect(isPrivateHost('cognito-idp.eu-west-1.amazonaws.com')).toBe(false);
    expect(isPrivateHost('8.8.8.8')).toBe(false);
    expect(isPrivateHost('172.32.0.1')).toBe(false);
    expect(isPrivateHost('172.16.0.1')).toBe(true);
    // An IPv4-mapped address in hex reaches the IPv4 host: loopback here.
    expect(isPrivateHost('[::ffff:7f00:1]')).toBe(true);
    expect(isPrivateHost('::ffff:a00:1')).toBe(true);
    expect(isPrivateHost('::ffff:808:808')).toBe(false);
  });

  it('when a local name is written with a final dot or as one label, then it is private', () => {
    expect(isPrivateHost('localhost.')).toBe(true);
    expect(isPrivateHost('metadata.google.internal.')).toBe(true);
    expect(isPrivateHost('moto')).toBe(true);
    expect(isPrivateHost('cognito-idp.eu-west-1.amazonaws.com.')).toBe(false);
    expect(() =>
      authSettings(
        { ...base, AUTH_JWKS_URI: 'https://moto:4566/p/.well-known/jwks.json' },
        'production',
      ),
    ).toThrow(/loopback or private/);
  });
});
