/**
 * The local AWS of `make dev`: moto from .venv on 127.0.0.1:4566, bootstrapped from the
 * resource manifest. Reuses an emulator that already answers there.
 */
import { isAnswering, startMotoProcess, type RunningEmulator } from '@leadflow/local-aws';
import { bootstrap, localEnvironment, type LocalResources } from '@leadflow/resources';
import { LOCAL_AWS_ENDPOINT, LOCAL_REGION } from './demo-data';

export interface LocalAws {
  resources: LocalResources;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startLocalAws(log: (line: string) => void): Promise<LocalAws> {
  let emulator: RunningEmulator | undefined;
  if (await isAnswering(LOCAL_AWS_ENDPOINT)) {
    log(`local AWS already answers on ${LOCAL_AWS_ENDPOINT}; reusing it`);
  } else {
    const port = Number(new URL(LOCAL_AWS_ENDPOINT).port);
    emulator = await startMotoProcess(port);
    log(`local AWS: ${emulator.description}`);
  }
  const resources = await bootstrap({
    endpoint: LOCAL_AWS_ENDPOINT,
    region: LOCAL_REGION,
    prefix: '',
  });
  log(
    'bootstrapped tables, bus, rules, queues, bucket and user pool from shared/resources/manifest.json',
  );
  return { resources, env: localEnvironment(resources), stop: async () => emulator?.stop() };
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  startLocalAws(console.log)
    .then(async (local) => {
      console.log(JSON.stringify(local.env, null, 2));
      console.log('local AWS runs until Ctrl-C');
      const stop = () => void local.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
