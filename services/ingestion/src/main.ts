import { runService } from '@leadflow/core';
import { AWS_REQUEST_TIMEOUT_MS, buildApp, SERVICE } from './app';
import { IngestionConfigSchema } from './config';

void runService(SERVICE, IngestionConfigSchema, async (runtime) => buildApp(runtime), {
  requestTimeoutMs: AWS_REQUEST_TIMEOUT_MS,
});
