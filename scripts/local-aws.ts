/**
 * The local AWS of `make dev`: moto from .venv on 127.0.0.1:4566 (LOCAL_AWS_ENDPOINT),
 * bootstrapped from the resource manifest. Reuses an emulator that already answers there.
 */
import { createServer } from 'node:net';
import { isAnswering, startMotoProcess, type RunningEmulator } from '@leadflow/local-aws';
import { bootstrap, localEnvironment, type LocalResources } from '@leadflow/resources';
import { LOCAL_AWS_ENDPOINT, LOCAL_REGION } from './demo-data';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

export interface LocalAws {
  resources: LocalResources;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
}

/** The port to start moto on; only an endpoint on this machine, with its port, can be started. */
export function localPortOf(endpoint: string): number {
  const url = new URL(endpoint);
  if (!LOOPBACK_HOSTS.has(url.hostname) || !url.port)
    throw new Error(
      `nothing answers at LOCAL_AWS_ENDPOINT=${endpoint}, and \`make dev\` starts an emulator only at http://127.0.0.1:<port>`,
    );
  return Number(url.port);
}

/** moto would only say "exited with code 1": say who is in the way and how to step aside. */
export async function assertPortFree(port: number, endpoint: string): Promise<void> {
  if (await portIsFree(port)) return;
  throw new Error(
    [
      `port ${port} of the local AWS (LOCAL_AWS_ENDPOINT=${endpoint}) is taken by a program that does not answer as moto.`,
      `Stop it (\`ss -ltnp 'sport = :${port}'\` names it), or use another port for every command of this checkout:`,
      `  export LOCAL_AWS_ENDPOINT=http://127.0.0.1:${port + 1}   # then make dev, npm run token, make redrive`,
    ].join('\n'),
  );
}

export async function startLocalAws(log: (line: string) => void): Promise<LocalAws> {
  let emulator: RunningEmulator | undefined;
  if (await isAnswering(LOCAL_AWS_ENDPOINT)) {
    log(`local AWS already answers on ${LOCAL_AWS_ENDPOINT}; reusing it`);
  } else {
    const port = localPortOf(LOCAL_AWS_ENDPOINT);
    await assertPortFree(port, LOCAL_AWS_ENDPOINT);
    emulator = await startMotoProcess(port, { ownProcessGroup: true });
    log(`local AWS: ${emulator.description}`);
  }
  const resources = await bootstrap({
    endpoint: LOCAL_AWS_ENDPOINT,
    region: LOCAL_REGION,
    prefix: '',
  }).catch(async (error: unknown) => {
    await emulator?.stop();
    throw error;
  });
  log(
    'bootstrapped tables, bus, rules, queues, bucket and user pool from shared/resources/manifest.json',
  );
  return { resources, env: localEnvironment(resources), stop: async () => emulator?.stop() };
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  let stopLocal: () => Promise<void> = async () => undefined;
  const stop = () => void stopLocal().then(() => process.exit(0));
  // Before moto starts: it runs in a process group of its own, so a signal during its start
  // (a closed terminal) must still stop it. `on`, not `once`: tsx may pass the same Ctrl-C on a
  // second time, and a signal nobody listens to any more would end this process first.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  startLocalAws(console.log)
    .then((local) => {
      stopLocal = local.stop;
      console.log(JSON.stringify(local.env, null, 2));
      console.log('local AWS runs until Ctrl-C');
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
