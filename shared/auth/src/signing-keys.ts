import { JwksClient, SigningKeyNotFoundError } from 'jwks-rsa';
import { dependencyUnavailable } from '@leadflow/core';

export interface SigningKeysOptions {
  jwksUri: string;
  /** How old the key set may grow before a token of a known key reads it again, in the background. */
  refreshMs?: number;
  /** How often a token naming an unknown key may read the set again (and how soon a failed read is tried again). */
  unknownKeyRereadMs?: number;
}

/**
 * The issuer's signing keys by `kid`, read from its JWKS as a whole set. A known key is answered
 * from memory, stale if the JWKS cannot be read, so no flood of made-up `kid`s can push it out or
 * spend the reads its refresh needs; such a flood reads the set at most once per
 * `unknownKeyRereadMs`, which is also how soon a newly rotated key is seen and how often a set
 * that cannot be read is tried again (no storm of reads while the issuer is down).
 */
export class SigningKeys {
  private keys = new Map<string, string>();
  private readAt = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** Why the last read failed; undefined once a read succeeds. */
  private lastFailure: unknown;
  private reading: Promise<void> | undefined;
  private readonly client: JwksClient;
  private readonly refreshMs: number;
  private readonly unknownKeyRereadMs: number;

  constructor(options: SigningKeysOptions) {
    this.client = new JwksClient({ jwksUri: options.jwksUri, cache: false, timeout: 3_000 });
    this.refreshMs = options.refreshMs ?? 10 * 60_000;
    this.unknownKeyRereadMs = options.unknownKeyRereadMs ?? 6_000;
  }

  /** The PEM public key of `kid`; SigningKeyNotFoundError when the issuer has no such key. */
  async publicKey(kid: string): Promise<string> {
    const known = this.keys.get(kid);
    if (known !== undefined) {
      if (Date.now() - this.readAt > this.refreshMs && this.mayReadAgain())
        void this.read().catch(() => undefined);
      return known;
    }
    if (this.reading) await this.reading;
    else if (this.mayReadAgain()) await this.read();
    // Whether the issuer has the key is unknown while its set cannot be read: a 401 would sign
    // out a user whose token is good.
    else if (this.lastFailure !== undefined) throw this.lastFailure;
    const key = this.keys.get(kid);
    if (key === undefined) throw new SigningKeyNotFoundError(`the issuer has no key ${kid}`);
    return key;
  }

  private mayReadAgain(): boolean {
    return Date.now() - this.lastAttemptAt >= this.unknownKeyRereadMs;
  }

  private read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    this.lastAttemptAt = Date.now();
    try {
      const keys = await this.client.getSigningKeys();
      this.keys = new Map(keys.flatMap((key) => (key.kid ? [[key.kid, key.getPublicKey()]] : [])));
      this.readAt = Date.now();
      this.lastFailure = undefined;
    } catch (error) {
      this.lastFailure = dependencyUnavailable(
        'The issuer’s signing keys could not be read',
        error,
      );
      throw this.lastFailure;
    }
  }
}
