import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CrmConnectionItem } from '@leadflow/contracts';
import { TtlCache } from '@leadflow/core';
import {
  MisconfiguredConnectionError,
  TransientCrmError,
  type Connector,
  type Credentials,
} from '../connectors/connector';

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
  /** Secret strings by name; a failed read is not remembered. */
  private readonly cache: TtlCache<string>;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly prefix: string,
    cacheMs: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache({
      load: (secretName) => this.read(secretName),
      ttlMs: cacheMs,
      missTtlMs: 0,
      now,
    });
  }

  async get(connection: CrmConnectionItem, connector: Connector): Promise<Credentials> {
    const secretName = expectedSecretName(this.prefix, connection);
    if (connection.secretName !== secretName) {
      throw new MisconfiguredConnectionError(
        'the connection names a secret that is not its own; nothing was sent',
      );
    }
    return credentialsOf(await this.cache.get(secretName), connector);
  }

  /** After the CRM rejected them: the next call reads the secret again (it may be rotated). */
  invalidate(connection: CrmConnectionItem): void {
    this.cache.delete(expectedSecretName(this.prefix, connection));
  }

  private async read(secretName: string): Promise<string | undefined> {
    try {
      const { SecretString } = await this.secrets.send(
        new GetSecretValueCommand({ SecretId: secretName }),
      );
      return SecretString;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (GONE.has(name))
        throw new MisconfiguredConnectionError(`the connection's credentials are gone (${name})`);
      throw new TransientCrmError(`Secrets Manager: ${name}`, { cause: error });
    }
  }
}

/** The string values of a secret's JSON object, as the connector needs them. */
function credentialsOf(secretString: string | undefined, connector: Connector): Credentials {
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
