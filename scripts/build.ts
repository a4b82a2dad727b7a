/**
 * Bundles a service into services/<name>/dist/main.js: the project's own TypeScript
 * (services and shared packages) is compiled in; npm packages stay external and come from
 * node_modules at run time.
 */
import { build, type Plugin } from 'esbuild';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

const externalNpmPackages: Plugin = {
  name: 'external-npm-packages',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@leadflow/') ? undefined : { path: args.path, external: true },
    );
  },
};

async function main(): Promise<void> {
  const services = process.argv.slice(2);
  if (services.length === 0) throw new Error('usage: tsx scripts/build.ts <service>...');
  for (const service of services) {
    const dir = join(root, 'services', service);
    await build({
      entryPoints: [join(dir, 'src/main.ts')],
      outfile: join(dir, 'dist/main.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      plugins: [externalNpmPackages],
      logLevel: 'warning',
    });
    console.log(`built services/${service}/dist/main.js`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
