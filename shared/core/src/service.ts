import type { Server } from 'node:http';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { Express } from 'express';
import {
  awsSettingsFromEnv,
  createAwsClients,
  type AwsClients,
  type AwsSettings,
} from './aws/clients';
import { Env, loadConfigOrExit } from './config';
import type { Readiness } from './http/health';
import { closeServer, drainOnSignals, listen, type ShutdownStep } from './lifecycle';
import { createLogger, type Logger } from './logger';

/** Variables every service reads; `defaultPort` is the service's port under `make dev`. */
export const baseConfigSchema = (defaultPort: number) =>
  Type.Object({
    NODE_ENV: Env.oneOf(
      ['production', 'development', 'test'] as const,
      'Runtime mode; production enforces the strict checks',
      'production',
    ),
    PORT: Env.port('HTTP port', defaultPort),
    LOG_LEVEL: Env.oneOf(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'pino log level',
      'info',
    ),
    AWS_REGION: Env.string('AWS region of every resource'),
    AWS_ENDPOINT_URL: Env.optional(Env.url('Local AWS emulator endpoint; unset in AWS')),
    SHUTDOWN_TIMEOUT_MS: Env.integer('Drain budget on SIGTERM; below the ECS stop timeout', {
      default: 25_000,
      minimum: 1_000,
    }),
    TRUST_PROXY_HOPS: Env.integer(
      'Proxies in front of the service whose X-Forwarded-For is trusted (the ALB: 1)',
      { default: 1, minimum: 0, maximum: 5 },
    ),
  });

export type BaseConfig = Static<ReturnType<typeof baseConfigSchema>>;

export interface ServiceRuntime<C> {
  config: C;
  logger: Logger;
  aws: AwsClients;
}

export interface StartedService {
  app: Express;
  readiness: Readiness;
  /** Background work (queue consumers, relays) stopped after the HTTP server drained. */
  workers?: ShutdownStep[];
}

/**
 * The whole of a service's main.ts: load configuration (exit on a bad variable), build,
 * listen, and drain on SIGTERM — stop accepting, finish requests, stop workers, flush.
 */
export async function runService<S extends TObject>(
  service: string,
  configSchema: S,
  start: (runtime: ServiceRuntime<Static<S>>) => Promise<StartedService>,
  /** What the service sets apart from the defaults, such as a shorter request timeout. */
  awsSettings: Partial<AwsSettings> = {},
): Promise<Server> {
  const config = loadConfigOrExit(configSchema) as Static<S> & BaseConfig;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const aws = createAwsClients({ ...awsSettingsFromEnv(config), ...awsSettings });
  const started = await start({ config, logger, aws });
  const server = await listen(started.app, config.PORT);
  logger.info({ port: config.PORT }, `${service} listening`);
  drainOnSignals(
    logger,
    [
      { name: 'readiness', run: async () => started.readiness.startDraining() },
      { name: 'http', run: () => closeServer(server) },
      ...(started.workers ?? []),
      { name: 'aws-clients', run: async () => aws.destroy() },
    ],
    config.SHUTDOWN_TIMEOUT_MS,
  );
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled rejection'),
  );
  return server;
}
