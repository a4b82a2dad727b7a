import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { TenantConfigConfigSchema } from './config';

void runService(SERVICE, TenantConfigConfigSchema, async (runtime) => buildApp(runtime));
