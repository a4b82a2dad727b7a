import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { compileSchema } from './validation';

/**
 * Configuration is a schema of environment variables, parsed once at start-up and frozen.
 * Keys are the variable names themselves, so code, README and Terraform say the same thing.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

/** Schemas for common variable shapes. */
export const Env = {
  string: (
    description: string,
    options: { default?: string; minLength?: number; pattern?: string } = {},
  ) => Type.String({ minLength: 1, ...options, description }),
  url: (description: string, options: { default?: string } = {}) =>
    Type.String({ format: 'uri', ...options, description }),
  port: (description: string, defaultPort: number) =>
    Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description }),
  integer: (
    description: string,
    options: { default?: number; minimum?: number; maximum?: number } = {},
  ) => Type.Integer({ ...options, description }),
  boolean: (description: string, defaultValue: boolean) =>
    Type.Boolean({ default: defaultValue, description }),
  oneOf: <T extends string>(values: readonly T[], description: string, defaultValue?: T) =>
    Type.Unsafe<T>({
      type: 'string',
      enum: [...values],
      description,
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    }),
  optional: <T extends TSchema>(schema: T) => Type.Optional(schema),
};

function describeFailure(
  key: string,
  schema: TSchema | undefined,
  message: string | undefined,
): string {
  const description = schema?.description ? ` (${schema.description})` : '';
  if (schema && Array.isArray(schema.enum))
    return `${key} must be one of ${schema.enum.join(', ')}${description}`;
  return `${key} ${message ?? 'is invalid'}${description}`;
}

function readVariables(
  schema: TObject,
  source: NodeJS.ProcessEnv,
): {
  values: Record<string, unknown>;
  problems: string[];
} {
  const required = new Set(schema.required ?? []);
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, property] of Object.entries(schema.properties)) {
    const raw = source[key];
    if (raw === undefined || raw === '') {
      if ((property as TSchema).default === undefined && required.has(key)) {
        const description = (property as TSchema).description;
        problems.push(`${key} is required${description ? ` (${description})` : ''}`);
      }
      continue;
    }
    values[key] = raw;
  }
  return { values, problems };
}

export function loadConfig<T extends TObject>(
  schema: T,
  source: NodeJS.ProcessEnv = process.env,
): Readonly<Static<T>> {
  const { values, problems } = readVariables(schema, source);
  if (problems.length === 0) {
    const validate = compileSchema(schema, { coerce: true });
    if (!validate(values)) {
      for (const error of validate.errors ?? []) {
        const key = error.instancePath.split('/')[1] ?? String(error.params.missingProperty ?? '');
        problems.push(describeFailure(key, schema.properties[key], error.message));
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as Readonly<Static<T>>;
}

/** Prints one line per problem and exits: a misconfigured task must not half-start. */
export function loadConfigOrExit<T extends TObject>(
  schema: T,
  source: NodeJS.ProcessEnv = process.env,
) {
  try {
    return loadConfig(schema, source);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems)
        process.stderr.write(`configuration error: ${problem}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
