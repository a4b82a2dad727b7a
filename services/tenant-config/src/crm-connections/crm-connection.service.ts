import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ulid } from 'ulid';
import { isPrivateHost } from '@leadflow/auth';
import {
  DEFAULT_FIELD_MAPPINGS,
  isReservedCrmProperty,
  type CrmConnectionItem,
  type CrmType,
  type TenantSettings,
} from '@leadflow/contracts';
import {
  AppError,
  assertValid,
  dependencyUnavailable,
  notFound,
  staleVersion,
  type FieldError,
  type Logger,
} from '@leadflow/core';
import type { ConfigEvents } from '../shared/config-events';
import type { TenantService } from '../tenants/tenant.service';
import type { ConnectionChanges, CrmConnectionRepository } from './crm-connection.repository';
import {
  CREDENTIAL_SCHEMAS,
  type CreateCrmConnection,
  type CrmConnection,
  type PatchCrmConnection,
} from './crm-connection.schema';

export interface CrmConnectionServiceDeps {
  connections: CrmConnectionRepository;
  tenants: TenantService;
  secrets: SecretsManagerClient;
  secretsPrefix: string;
  events: ConfigEvents;
  logger: Logger;
  /** Production accepts only public https endpoints: a tenant must not aim crm-sync at our own network. */
  production: boolean;
}

/**
 * A claim lives longer than a secret write can take with the SDK's timeouts and retries: it only
 * lapses for a request that died between claiming and committing, and then frees the connection.
 */
const CREDENTIALS_CLAIM_MS = 60_000;

/** Named properties only: the stored item also carries bookkeeping (a credentials claim). */
export function toConnection(item: CrmConnectionItem): CrmConnection {
  return {
    id: item.connectionId,
    type: item.type,
    name: item.name,
    enabled: item.enabled,
    ...(item.baseUrl === undefined ? {} : { baseUrl: item.baseUrl }),
    fieldMapping: item.fieldMapping,
    hasCredentials: true,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

export class CrmConnectionService {
  constructor(private readonly deps: CrmConnectionServiceDeps) {}

  async get(tenantId: string, connectionId: string): Promise<CrmConnectionItem> {
    const connection = await this.deps.connections.get(tenantId, connectionId);
    if (!connection) throw notFound('CRM connection');
    return connection;
  }

  async create(tenantId: string, input: CreateCrmConnection): Promise<CrmConnection> {
    const tenant = await this.deps.tenants.get(tenantId);
    const credentials = input.credentials as Record<string, string>;
    this.assertValid([
      ...endpointErrors(input.type, input.baseUrl, credentials, this.deps.production),
      ...mappingErrors(input.type, input.fieldMapping, tenant),
    ]);
    const connectionId = ulid();
    const now = new Date().toISOString();
    const item: CrmConnectionItem = {
      tenantId,
      connectionId,
      type: input.type,
      name: input.name,
      enabled: input.enabled ?? true,
      fieldMapping: input.fieldMapping ?? DEFAULT_FIELD_MAPPINGS[input.type],
      secretName: `${this.deps.secretsPrefix}${tenantId}/crm/${connectionId}`,
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}),
    };
    await this.deps.secrets.send(
      new CreateSecretCommand({
        Name: item.secretName,
        SecretString: JSON.stringify(credentials),
        Description: `CRM credentials of ${tenantId}/${connectionId} (${input.type})`,
        Tags: [
          { Key: 'tenant', Value: tenantId },
          { Key: 'service', Value: 'crm-sync' },
        ],
      }),
    );
    try {
      await this.deps.connections.create(item);
    } catch (error) {
      await this.deleteSecretNow(item.secretName);
      throw error;
    }
    await this.deps.events.changed(tenantId, 'crm-connection', connectionId, item.version);
    return toConnection(item);
  }

  async update(
    tenantId: string,
    connectionId: string,
    expectedVersion: number,
    patch: PatchCrmConnection,
  ): Promise<CrmConnection> {
    const [tenant, current] = await Promise.all([
      this.deps.tenants.get(tenantId),
      this.get(tenantId, connectionId),
    ]);
    const { credentials, ...rest } = patch;
    const errors = mappingErrors(current.type, patch.fieldMapping, tenant);
    if (credentials) {
      errors.push(
        ...validationErrors(() =>
          assertValid(CREDENTIAL_SCHEMAS[current.type], credentials, {
            prefix: 'body.credentials',
          }),
        ),
      );
    }
    errors.push(
      ...endpointErrors(
        current.type,
        patch.baseUrl ?? undefined,
        credentials,
        this.deps.production,
      ),
    );
    this.assertValid(errors);
    if (current.version !== expectedVersion) throw staleVersion();
    const changes: ConnectionChanges = rest;
    const updated = credentials
      ? await this.rotate(current, expectedVersion, changes, credentials)
      : await this.deps.connections.update(tenantId, connectionId, expectedVersion, changes);
    await this.deps.events.changed(tenantId, 'crm-connection', connectionId, updated.version);
    return toConnection(updated);
  }

  /**
   * Claims the connection, writes the secret, then commits the version: a request that loses
   * the race (412, 409) never writes its credentials, and no other change commits between the
   * write and the version. A failed write gives the claim back and changes nothing, so the same
   * request (same If-Match) can be repeated.
   */
  private async rotate(
    current: CrmConnectionItem,
    expectedVersion: number,
    changes: ConnectionChanges,
    credentials: Record<string, string>,
  ): Promise<CrmConnectionItem> {
    const { tenantId, connectionId } = current;
    const claim = randomUUID();
    await this.deps.connections.claimCredentialsChange(
      tenantId,
      connectionId,
      expectedVersion,
      claim,
      Date.now() + CREDENTIALS_CLAIM_MS,
    );
    try {
      await this.deps.secrets.send(
        new PutSecretValueCommand({
          SecretId: current.secretName,
          SecretString: JSON.stringify(credentials),
        }),
      );
    } catch (error) {
      await this.deps.connections
        .releaseCredentialsChange(tenantId, connectionId, claim)
        .catch((release: unknown) =>
          this.deps.logger.error(
            { err: release, connectionId },
            'credentials claim not given back; it lapses on its own',
          ),
        );
      throw error;
    }
    return this.deps.connections.update(tenantId, connectionId, expectedVersion, changes, claim);
  }

  /**
   * The credentials are scheduled for deletion first: a connection deleted while Secrets Manager
   * fails would leave them stored for good, with nothing left to delete them by. Done the other
   * way round, the connection stays, unusable, until its deletion is repeated.
   */
  async delete(tenantId: string, connectionId: string): Promise<void> {
    const current = await this.get(tenantId, connectionId);
    await this.scheduleSecretDeletion(current.secretName);
    await this.deps.connections.delete(tenantId, connectionId);
    await this.deps.events.changed(tenantId, 'crm-connection', connectionId);
  }

  private async scheduleSecretDeletion(secretName: string): Promise<void> {
    try {
      await this.deps.secrets.send(
        new DeleteSecretCommand({ SecretId: secretName, RecoveryWindowInDays: 7 }),
      );
    } catch (error) {
      // Gone already, or scheduled by an earlier attempt of this deletion.
      const name = error instanceof Error ? error.name : '';
      if (name === 'ResourceNotFoundException' || name === 'InvalidRequestException') return;
      throw dependencyUnavailable(
        'The CRM credentials could not be scheduled for deletion; nothing was deleted. Delete the connection again after Retry-After',
        error,
      );
    }
  }

  private async deleteSecretNow(secretName: string): Promise<void> {
    await this.deps.secrets
      .send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }))
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, secretName }, 'CRM secret not deleted'),
      );
  }

  private assertValid(errors: FieldError[]): void {
    if (errors.length > 0)
      throw new AppError('validation_failed', 'The CRM connection is invalid', { errors });
  }
}

export function endpointErrors(
  type: CrmType,
  baseUrl: string | undefined,
  credentials: Record<string, string> | undefined,
  production: boolean,
): FieldError[] {
  const urls: Array<[string, string | undefined]> = [['body.baseUrl', baseUrl]];
  if (type === 'webhook') urls.push(['body.credentials.url', credentials?.url]);
  if (type === 'salesforce') urls.push(['body.credentials.instanceUrl', credentials?.instanceUrl]);
  return urls.flatMap(([field, url]) => {
    const problem = url === undefined || !production ? undefined : endpointProblem(url);
    return problem ? [{ field, message: problem }] : [];
  });
}

function endpointProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'must be an absolute URL';
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return 'must use https';
  if (isPrivateHost(parsed.hostname)) return 'must be a public host';
  return undefined;
}

function validationErrors(check: () => unknown): FieldError[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof AppError && error.errors) return error.errors;
    throw error;
  }
}

/**
 * Custom fields in a mapping must exist in the tenant's lead schema, and no field may write a
 * property the sync sets itself.
 */
function mappingErrors(
  type: CrmType,
  mapping: Record<string, string> | undefined,
  tenant: TenantSettings,
): FieldError[] {
  if (!mapping) return [];
  const custom = new Set(tenant.customFields.map((f) => `custom.${f.key}`));
  return Object.entries(mapping).flatMap(([field, property]) => {
    const at = `body.fieldMapping.${field}`;
    if (field.startsWith('custom.') && !custom.has(field))
      return [{ field: at, message: 'is not a custom field of this tenant' }];
    if (isReservedCrmProperty(type, property))
      return [{ field: at, message: `cannot write ${property}, which the sync sets itself` }];
    return [];
  });
}
