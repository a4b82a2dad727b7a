import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { TenantConfigConfigSchema } from './config';

void runService(SERVICE, TenantConfigConfigSchema, async (runtime) => {
  const { app, readiness, publisher } = buildApp(runtime);
  return { app, readiness, workers: [{ name: 'event-publisher', run: () => publisher.flush() }] };
});
