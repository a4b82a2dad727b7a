import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { CrmSyncConfigSchema } from './config';

void runService(SERVICE, CrmSyncConfigSchema, async (runtime) => {
  const { app, readiness, worker, http } = buildApp(runtime);
  worker.start();
  return {
    app,
    readiness,
    workers: [
      // Lanes send what they hold, in-flight messages finish and are deleted.
      { name: 'crm-sync-worker', run: () => worker.stop() },
      { name: 'crm-http', run: async () => http.destroy() },
    ],
  };
});
