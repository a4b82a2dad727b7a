import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { IngestionConfigSchema } from './config';

void runService(SERVICE, IngestionConfigSchema, async (runtime) => buildApp(runtime));
