import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import jwt, { type SignOptions } from 'jsonwebtoken';

/**
 * An OIDC-style issuer for tests: its own RSA key, a JWKS served on loopback, and tokens
 * signed with whatever claims a test needs (Supabase-shaped ones, forged ones).
 */
export class TestIssuer {
  readonly kid = randomUUID();
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  private server: Server | undefined;
  jwksUri = '';
  /** How often the JWKS was read. */
  jwksReads = 0;
  /** Set to answer the JWKS with this status and no keys, as an issuer in an outage. */
  jwksStatus: number | undefined;

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  async start(): Promise<this> {
    const jwk = {
      ...this.publicKey.export({ format: 'jwk' }),
      kid: this.kid,
      use: 'sig',
      alg: 'RS256',
    };
    this.server = createServer((_req, res) => {
      this.jwksReads += 1;
      res.setHeader('content-type', 'application/json');
      if (this.jwksStatus !== undefined) res.statusCode = this.jwksStatus;
      res.end(JSON.stringify(this.jwksStatus === undefined ? { keys: [jwk] } : {}));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.jwksUri = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** A token valid for an hour, unless the claims name their own `exp` (undefined: none at all). */
  sign(claims: Record<string, unknown>, options: SignOptions = {}): string {
    const lifetime: SignOptions = 'exp' in claims ? {} : { expiresIn: '1h' };
    const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    return jwt.sign(payload, this.privateKey, {
      algorithm: 'RS256',
      keyid: this.kid,
      ...lifetime,
      ...options,
    });
  }
}
