import { MOTO_LAUNCHER, MOTO_VERSION, type RunningEmulator } from './moto-process';

const LAUNCHER_IN_CONTAINER = '/leadflow/moto_server.py';

/** moto's container, when a Docker engine answers; undefined when none does. */
export async function startMotoContainer(): Promise<RunningEmulator | undefined> {
  const testcontainers = await import('testcontainers');
  try {
    await Promise.race([
      testcontainers.getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 5_000)),
    ]);
  } catch {
    return undefined;
  }
  const container = await new testcontainers.GenericContainer(`motoserver/moto:${MOTO_VERSION}`)
    .withCopyFilesToContainer([{ source: MOTO_LAUNCHER, target: LAUNCHER_IN_CONTAINER }])
    .withEntrypoint(['python3', LAUNCHER_IN_CONTAINER, '-H', '0.0.0.0', '-p', '5000'])
    .withExposedPorts(5000)
    .withWaitStrategy(testcontainers.Wait.forHttp('/moto-api/', 5000))
    .start();
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(5000)}`;
  return {
    endpoint,
    description: `moto ${MOTO_VERSION} in a container (testcontainers) on ${endpoint}`,
    stop: async () => {
      await container.stop();
    },
  };
}
