import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { LeadsConfigSchema } from './config';

void runService(SERVICE, LeadsConfigSchema, async (runtime) => buildApp(runtime));
