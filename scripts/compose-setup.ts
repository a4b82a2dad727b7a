/**
 * docker compose's one-shot setup: bootstraps the emulator from the manifest and writes the
 * services' environment to a shared volume, which each service's container sources at start.
 */
import { writeFileSync } from 'node:fs';
import { waitUntilAnswering } from '@leadflow/local-aws';
import { bootstrap, localEnvironment } from '@leadflow/resources';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const endpoint = process.env.LOCAL_AWS_ENDPOINT ?? 'http://moto:5000';
  const target = process.argv[2] ?? '/state/leadflow.env';
  await waitUntilAnswering(endpoint, 60_000);
  const resources = await bootstrap({ endpoint, region: 'us-east-1', prefix: '' });
  const lines = Object.entries({ ...localEnvironment(resources), NODE_ENV: 'development' }).map(
    ([k, v]) => `${k}=${v}`,
  );
  writeFileSync(target, `${lines.join('\n')}\n`);
  console.log(`bootstrapped ${endpoint}; environment written to ${target}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
