import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { CrmSyncConfigSchema } from './config';

void runService(SERVICE, CrmSyncConfigSchema, async (runtime) => buildApp(runtime));
