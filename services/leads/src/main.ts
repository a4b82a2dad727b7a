import { runService } from '@leadflow/core';
import { buildApp, SERVICE } from './app';
import { LeadsConfigSchema } from './config';

void runService(SERVICE, LeadsConfigSchema, async (runtime) => {
  const { app, readiness, relay, intake, publisher } = buildApp(runtime);
  intake.start();
  relay.start();
  return {
    app,
    readiness,
    workers: [
      { name: 'intake', run: () => intake.stop() },
      // After intake: one last pass gets the events of the last leads it stored out.
      {
        name: 'outbox-relay',
        run: async () => {
          await relay.stop();
          await relay.drain();
        },
      },
      { name: 'event-publisher', run: () => publisher.flush() },
    ],
  };
});
