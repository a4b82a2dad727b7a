/**
 * Every service's configuration schema: the contract between the code and its deployment.
 * Terraform's checks read it to prove each task definition sets exactly these variables.
 */
import type { TObject } from '@sinclair/typebox';
import { CrmSyncConfigSchema } from '../services/crm-sync/src/config';
import { IngestionConfigSchema } from '../services/ingestion/src/config';
import { LeadsConfigSchema } from '../services/leads/src/config';
import { TenantConfigConfigSchema } from '../services/tenant-config/src/config';

export const SERVICE_CONFIG_SCHEMAS: Record<string, TObject> = {
  ingestion: IngestionConfigSchema,
  leads: LeadsConfigSchema,
  'crm-sync': CrmSyncConfigSchema,
  'tenant-config': TenantConfigConfigSchema,
};

export interface ConfigContract {
  /** Must be set: no default. */
  required: string[];
  /** May be set: has a default or is optional. */
  optional: string[];
}

/** Variables only the local emulator needs; a deployment never sets them. */
export const LOCAL_ONLY_VARIABLES = ['AWS_ENDPOINT_URL', 'AUTH_JWKS_URI'];

export function configContract(schema: TObject): ConfigContract {
  const required = new Set(schema.required ?? []);
  const contract: ConfigContract = { required: [], optional: [] };
  for (const [name, property] of Object.entries(schema.properties)) {
    if (required.has(name) && property.default === undefined) contract.required.push(name);
    else contract.optional.push(name);
  }
  contract.required.sort();
  contract.optional.sort();
  return contract;
}

/** The README's table of every variable: which services read it, its default, what it is for. */
export function environmentTable(): string {
  const rows = new Map<
    string,
    { services: string[]; description: string; fallbacks: Set<string> }
  >();
  for (const [service, schema] of Object.entries(SERVICE_CONFIG_SCHEMAS)) {
    const required = new Set(schema.required ?? []);
    for (const [name, property] of Object.entries(schema.properties)) {
      const row = rows.get(name) ?? {
        services: [],
        description: property.description ?? '',
        fallbacks: new Set<string>(),
      };
      row.services.push(service);
      row.fallbacks.add(
        property.default === ''
          ? 'empty'
          : property.default !== undefined
            ? `\`${String(property.default)}\``
            : required.has(name)
              ? 'required'
              : 'unset',
      );
      rows.set(name, row);
    }
  }
  const lines = ['| variable | services | default | meaning |', '|---|---|---|---|'];
  for (const [name, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const services =
      row.services.length === Object.keys(SERVICE_CONFIG_SCHEMAS).length
        ? 'all'
        : row.services.join(', ');
    lines.push(
      `| \`${name}\` | ${services} | ${[...row.fallbacks].join(' / ')} | ${row.description.replace(/\|/g, '\\|')} |`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  if (process.argv.includes('--markdown')) {
    process.stdout.write(`${environmentTable()}\n`);
  } else {
    const contracts = Object.fromEntries(
      Object.entries(SERVICE_CONFIG_SCHEMAS).map(([service, schema]) => [
        service,
        configContract(schema),
      ]),
    );
    process.stdout.write(`${JSON.stringify(contracts, null, 2)}\n`);
  }
}
