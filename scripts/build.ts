/**
 * Bundles a service into services/<name>/dist/main.js: the project's TypeScript and every npm
 * package it uses, so the bundle runs without node_modules. Left external, packages resolved
 * from dist/ instead of from the package that imported them, and picked up whatever version
 * npm had hoisted (ajv 6 of eslint instead of shared/core's ajv 8).
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

export const SERVICES = ['ingestion', 'leads', 'crm-sync', 'tenant-config'] as const;

/** Writes the service's bundle (and its source map) to `outfile`. */
export async function buildService(
  service: string,
  outfile = join(root, 'services', service, 'dist/main.js'),
): Promise<string> {
  await build({
    entryPoints: [join(root, 'services', service, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}

async function main(): Promise<void> {
  const services = process.argv.slice(2);
  if (services.length === 0) throw new Error('usage: tsx scripts/build.ts <service>...');
  for (const service of services) {
    await buildService(service);
    console.log(`built services/${service}/dist/main.js`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
