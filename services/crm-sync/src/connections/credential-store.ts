import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CrmConnectionItem } from '@leadflow/contracts';
import {
  MisconfiguredConnectionError,
  TransientCrmError,
  type Connector,
  type Credentials,
} from '../connectors/connector';

interface Cached {
  at: number;
  credentials: Promise<Credentials>;
}

/** Secrets Manager answers that will not change by asking again. */
const GONE = new Set(['ResourceNotFoundException', 'InvalidRequestException']);

/** The one secret name tenant-config gives a connection: `<prefix><tenant>/crm/<connection>`. */
export function expectedSecretName(prefix: string, connection: CrmConnectionItem): string {
  return `${prefix}${connection.tenantId}/crm/${connection.connectionId}`;
}

/**
 * CRM credentials from Secrets Manager, kept for a short while. A connection only ever reads
 * the secret named after its own tenant and id: an item pointing at another tenant's secret
 * (a bug, or a tampered table) gets nothing.
 */
export class CredentialStore {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly prefix: string,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(connection: CrmConnectionItem, connector: Connector): Promise<Credentials> {
    const secretName = expectedSecretName(this.prefix, connection);
    if (connection.secretName !== secretName) {
      return Promise.reject(
        new MisconfiguredConnectionError(
          'the connection names a secret that is not its own; nothing was sent',
        ),
      );
    }
    const cached = this.cache.get(secretName);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.credentials;
    const credentials = this.read(secretName, connector);
    this.cache.set(secretName, { at: this.now(), credentials });
    credentials.catch(() => this.cache.delete(secretName));
    return credentials;
  }

  /** After the CRM rejected them: the next call reads the secret again (it may be rotated). */
  invalidate(connection: CrmConnectionItem): void {
    this.cache.delete(expectedSecretName(this.prefix, connection));
  }

  private async read(secretName: string, connector: Connector): Promise<Credentials> {
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.secrets.send(
        new GetSecretValueCommand({ SecretId: secretName }),
      ));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (GONE.has(name))
        throw new MisconfiguredConnectionError(`the connection's credentials are gone (${name})`);
      throw new TransientCrmError(`Secrets Manager: ${name}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString ?? '');
    } catch {
      throw new MisconfiguredConnectionError('the connection’s credentials are not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new MisconfiguredConnectionError('the connection’s credentials are not an object');
    const credentials = Object.fromEntries(
      Object.entries(parsed).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const problem = connector.credentialsProblem(credentials);
    if (problem) throw new MisconfiguredConnectionError(problem);
    return credentials;
  }
}
