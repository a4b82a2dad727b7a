import {
  freePort,
  startMotoContainer,
  startMotoProcess,
  type RunningEmulator,
} from '@leadflow/local-aws';

declare global {
  var leadflowEmulator: RunningEmulator | undefined;
}

/** One emulator for the whole jest run, on its own port: `make test` works while `make dev` runs. */
export default async function setup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const emulator = (await startMotoContainer()) ?? (await startMotoProcess(await freePort()));
  const fallback = emulator.description.includes('container')
    ? ''
    : ' — no Docker engine answered, so no testcontainers';
  process.stdout.write(`\nlocal AWS for integration tests: ${emulator.description}${fallback}\n`);
  process.env.LEADFLOW_TEST_AWS_ENDPOINT = emulator.endpoint;
  globalThis.leadflowEmulator = emulator;
}
