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
  // Credentials for the emulator; without them the SDK would look for instance metadata.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
  const emulator = (await startMotoContainer()) ?? (await startMotoProcess(await freePort()));
  const fallback = emulator.description.includes('container')
    ? ''
    : ' — no Docker engine answered, so no testcontainers';
  process.stdout.write(`\nlocal AWS for integration tests: ${emulator.description}${fallback}\n`);
  process.env.LEADFLOW_TEST_AWS_ENDPOINT = emulator.endpoint;
  globalThis.leadflowEmulator = emulator;
}
