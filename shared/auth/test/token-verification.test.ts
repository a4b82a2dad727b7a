import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { createApp, createLogger, defineOperation, route } from '@leadflow/core';
import { createTestStack, TestIssuer, type TestStack } from '@leadflow/testing';
import {
  authSettings,
  createAuthenticator,
  createTokenVerifier,
  requires,
  SigningKeys,
  type AuthSettings,
} from '../src';

const whoAmI = defineOperation({
  method: 'get',
  path: '/v1/leads/whoami',
  operationId: 'whoAmI',
  summary: 'test',
  tags: ['test'],
  auth: requires('leads:read'),
  responses: {
    200: {
      description: 'the principal',
      schema: Type.Object({
        tenantId: Type.Optional(Type.String()),
        roles: Type.Array(Type.String()),
        subject: Type.String(),
      }),
    },
  },
});

function appTrusting(settings: AuthSettings, keys?: SigningKeys) {
  return createApp({
    service: 'test',
    logger: createLogger({ service: 'test', level: 'silent' }),
    validateResponses: true,
    authenticate: createAuthenticator({ verifier: createTokenVerifier(settings, keys) }),
    routes: [
      route(whoAmI, async ({ principal }) => ({
        status: 200,
        body: {
          tenantId: principal?.tenantId,
          roles: [...(principal?.roles ?? [])],
          subject: principal!.subject,
        },
      })),
    ],
  }).app;
}

const config = (overrides: Partial<Parameters<typeof authSettings>[0]>) => ({
  AUTH_PROVIDER: 'cognito' as const,
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_AUDIENCE: 'client',
  AUTH_ACCEPT_ACCESS_TOKENS: false,
  AUTH_CLOCK_TOLERANCE_SECONDS: 30,
  ...overrides,
});

async function expect401(app: Parameters<typeof request>[0], token: string, detail: RegExp) {
  const res = await request(app).get('/v1/leads/whoami').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(res.body).toMatchObject({
    status: 401,
    title: 'Authentication required',
    detail: expect.stringMatching(detail),
  });
}

describe('token verification against the local Cognito', () => {
  let stack: TestStack;
  let app: ReturnType<typeof appTrusting>;
  let issuer: string;

  beforeAll(async () => {
    stack = await createTestStack();
    issuer = stack.resources.issuer;
    app = appTrusting(
      authSettings(
        config({
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: stack.resources.appClientId,
          AUTH_JWKS_URI: stack.resources.jwksUri,
        }),
        'test',
      ),
    );
  });

  it('when a user signs in to the local Cognito, then its ID token is accepted with its tenant and roles', async () => {
    const token = await stack.tokenFor({
      email: 'agent@t1.test',
      tenantId: 't1',
      roles: ['agent'],
    });
    const res = await request(app).get('/v1/leads/whoami').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenantId: 't1', roles: ['agent'] });
  });

  it('when there is no Authorization header, then 401 asking for a bearer token', async () => {
    const res = await request(app).get('/v1/leads/whoami');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('when the user’s role lacks the permission, then 403', async () => {
    const token = await stack.tokenFor({ email: 'platform@t1.test', roles: ['platform-admin'] });
    const res = await request(app).get('/v1/leads/whoami').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('leads:read');
  });

  it('when an access token is sent and only ID tokens are accepted, then 401', async () => {
    const token = await stack.accessTokenFor({
      email: 'agent@t1.test',
      tenantId: 't1',
      roles: ['agent'],
    });
    await expect401(app, token, /must be an ID token/);
  });

  it('when access tokens are accepted but one lacks the tenant claim, then 401', async () => {
    const accessApp = appTrusting(
      authSettings(
        config({
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: stack.resources.appClientId,
          AUTH_JWKS_URI: stack.resources.jwksUri,
          AUTH_ACCEPT_ACCESS_TOKENS: true,
        }),
        'test',
      ),
    );
    const token = await stack.accessTokenFor({
      email: 'agent@t1.test',
      tenantId: 't1',
      roles: ['agent'],
    });
    await expect401(accessApp, token, /must carry the tenant claim/);
  });

  it('when a token with valid claims is signed by another key, then 401', async () => {
    const real = jwt.decode(
      await stack.tokenFor({ email: 'agent@t1.test', tenantId: 't1', roles: ['agent'] }),
      { complete: true },
    )!;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = jwt.sign(real.payload as object, privateKey, {
      algorithm: 'RS256',
      keyid: real.header.kid,
    });
    await expect401(app, forged, /signature is invalid/);
  });

  it('when a token is signed with alg none, then 401', async () => {
    const real = jwt.decode(
      await stack.tokenFor({ email: 'agent@t1.test', tenantId: 't1', roles: ['agent'] }),
      { complete: true },
    )!;
    const header = Buffer.from(
      JSON.stringify({ alg: 'none', typ: 'JWT', kid: real.header.kid }),
    ).toString('base64url');
    const payload = Buffer.from(JSON.stringify(real.payload)).toString('base64url');
    await expect401(app, `${header}.${payload}.`, /RS256|malformed/);
  });

  it('when a token is HS256-signed with the public key as secret, then 401', async () => {
    const real = jwt.decode(
      await stack.tokenFor({ email: 'agent@t1.test', tenantId: 't1', roles: ['agent'] }),
      { complete: true },
    )!;
    const jwks = (await (await fetch(stack.resources.jwksUri)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    const pem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const forged = jwt.sign(real.payload as object, Buffer.from(pem), {
      algorithm: 'HS256',
      keyid: real.header.kid,
    });
    await expect401(app, forged, /RS256/);
  });

  it('when the token names a key the JWKS does not have, then 401', async () => {
    const real = jwt.decode(
      await stack.tokenFor({ email: 'agent@t1.test', tenantId: 't1', roles: ['agent'] }),
      { complete: true },
    )!;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = jwt.sign(real.payload as object, privateKey, {
      algorithm: 'RS256',
      keyid: 'unknown-kid',
    });
    await expect401(app, forged, /unknown key/);
  });

  it.each(['garbage', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30'])(
    'when the token is malformed (%s), then 401',
    async (token) => {
      await expect401(app, token, /malformed|RS256|unknown key/);
    },
  );
});

describe('token verification of claims, with a test issuer', () => {
  const testIssuer = new TestIssuer();
  const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test';
  let app: ReturnType<typeof appTrusting>;
  const claims = {
    sub: 'user-1',
    token_use: 'id',
    aud: 'client',
    'custom:tenant_id': 't1',
    'cognito:groups': ['manager', 'not-a-role'],
  };

  beforeAll(async () => {
    await testIssuer.start();
    app = appTrusting(
      authSettings(config({ AUTH_ISSUER: ISSUER, AUTH_JWKS_URI: testIssuer.jwksUri }), 'test'),
    );
  });
  afterAll(() => testIssuer.stop());

  it('when the claims are right, then only known roles are kept', async () => {
    const res = await request(app)
      .get('/v1/leads/whoami')
      .set('Authorization', `Bearer ${testIssuer.sign(claims, { issuer: ISSUER })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tenantId: 't1', roles: ['manager'], subject: 'user-1' });
  });

  it('when the token expired beyond the clock tolerance, then 401', async () => {
    const token = testIssuer.sign(
      { ...claims, exp: Math.floor(Date.now() / 1000) - 120 },
      { issuer: ISSUER },
    );
    await expect401(app, token, /expired/);
  });

  it('when the token expired within the clock tolerance, then it is still accepted', async () => {
    const token = testIssuer.sign(
      { ...claims, exp: Math.floor(Date.now() / 1000) - 5 },
      { issuer: ISSUER },
    );
    expect(
      (await request(app).get('/v1/leads/whoami').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
  });

  it('when the token has no expiry, then 401', async () => {
    await expect401(
      app,
      testIssuer.sign({ ...claims, exp: undefined }, { issuer: ISSUER }),
      /no expiry/,
    );
  });

  it('when the token is not valid yet, then 401', async () => {
    await expect401(
      app,
      testIssuer.sign(claims, { issuer: ISSUER, notBefore: 300 }),
      /not valid yet/,
    );
  });

  it('when the issuer is another, then 401', async () => {
    await expect401(
      app,
      testIssuer.sign(claims, { issuer: 'https://evil.example' }),
      /wrong issuer/,
    );
  });

  it('when the audience is another client, then 401', async () => {
    await expect401(
      app,
      testIssuer.sign({ ...claims, aud: 'other-client' }, { issuer: ISSUER }),
      /another audience/,
    );
  });

  it('when token_use is missing or unknown, then 401', async () => {
    await expect401(
      app,
      testIssuer.sign({ ...claims, token_use: 'refresh' }, { issuer: ISSUER }),
      /must be an ID token/,
    );
  });
});

describe('token verification of Supabase-shaped tokens', () => {
  const testIssuer = new TestIssuer();
  const ISSUER = 'https://project-ref.supabase.co/auth/v1';

  beforeAll(() => testIssuer.start());
  afterAll(() => testIssuer.stop());

  it('when the provider is supabase, then the tenant and roles come from app_metadata', async () => {
    const app = appTrusting(
      authSettings(
        config({
          AUTH_PROVIDER: 'supabase',
          AUTH_ISSUER: ISSUER,
          AUTH_AUDIENCE: 'authenticated',
          AUTH_JWKS_URI: testIssuer.jwksUri,
        }),
        'test',
      ),
    );
    const token = testIssuer.sign(
      {
        sub: 'supa-user',
        aud: 'authenticated',
        role: 'authenticated',
        email: 'x@y.test',
        app_metadata: { tenant_id: 'acme', roles: ['viewer'] },
      },
      { issuer: ISSUER },
    );
    const res = await request(app).get('/v1/leads/whoami').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tenantId: 'acme', roles: ['viewer'], subject: 'supa-user' });
  });
});

describe('the issuer’s signing keys', () => {
  const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_keys';
  const claims = {
    sub: 'user-1',
    token_use: 'id',
    aud: 'client',
    'custom:tenant_id': 't1',
    'cognito:groups': ['manager'],
  };
  let testIssuer: TestIssuer;

  beforeEach(async () => {
    testIssuer = await new TestIssuer().start();
  });
  afterEach(() => testIssuer.stop());

  const appWith = (keys: { refreshMs?: number; unknownKeyRereadMs?: number }) => {
    const settings = authSettings(
      config({ AUTH_ISSUER: ISSUER, AUTH_JWKS_URI: testIssuer.jwksUri }),
      'test',
    );
    return appTrusting(settings, new SigningKeys({ jwksUri: testIssuer.jwksUri, ...keys }));
  };
  const call = (app: ReturnType<typeof appTrusting>, keyid: string = testIssuer.kid) =>
    request(app)
      .get('/v1/leads/whoami')
      .set('Authorization', `Bearer ${testIssuer.sign(claims, { issuer: ISSUER, keyid })}`);

  it('when a flood of tokens names made-up keys, then each gets 401, the JWKS is not read again for each, and the real key’s tokens still pass', async () => {
    const app = appWith({ unknownKeyRereadMs: 60_000 });
    expect((await call(app)).status).toBe(200);
    const reads = testIssuer.jwksReads;
    for (let i = 0; i < 25; i++)
      await expect401(
        app,
        testIssuer.sign(claims, { issuer: ISSUER, keyid: `made-up-${i}` }),
        /unknown key/,
      );
    expect(testIssuer.jwksReads - reads).toBeLessThanOrEqual(1);
    expect((await call(app)).status).toBe(200);
  });

  it('when the JWKS cannot be read, then tokens of a key already known still pass, and a token naming another key gets 503, not 401', async () => {
    const app = appWith({ refreshMs: 0, unknownKeyRereadMs: 0 });
    expect((await call(app)).status).toBe(200);
    testIssuer.jwksStatus = 503;
    expect((await call(app)).status).toBe(200);
    const unknown = await call(app, 'rotated-in');
    expect(unknown.status).toBe(503);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(testIssuer.jwksReads).toBeGreaterThan(1);
  });

  it('when a task starts while the JWKS cannot be read, then every good token gets 503 until it can, never 401', async () => {
    const app = appWith({ unknownKeyRereadMs: 60_000 });
    testIssuer.jwksStatus = 503;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(app)).status);
    expect(statuses).toEqual([503, 503, 503]);
    expect(testIssuer.jwksReads).toBe(1);
  });

  it('when the key set is due a refresh and the JWKS cannot be read, then known keys still pass and the JWKS is not read again for each request', async () => {
    const app = appWith({ refreshMs: 0, unknownKeyRereadMs: 60_000 });
    expect((await call(app)).status).toBe(200);
    testIssuer.jwksStatus = 503;
    const reads = testIssuer.jwksReads;
    for (let i = 0; i < 20; i++) expect((await call(app)).status).toBe(200);
    expect(testIssuer.jwksReads - reads).toBeLessThanOrEqual(1);
  });
});
