/**
 * `make bench`: runs every benchmark, prints its figures, and writes them to
 * bench-results.json at the repository root (one key per figure, e.g. ingestion.leadsPerSec).
 * `make bench ONLY=ingestion` runs one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHMARKS, type BenchFigures } from './benchmarks';

const RESULTS = join(__dirname, '../..', 'bench-results.json');

function previous(): BenchFigures {
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchFigures;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const only = process.env.ONLY;
  const selected = BENCHMARKS.filter((b) => !only || b.name === only);
  if (selected.length === 0)
    throw new Error(
      `no benchmark named ${only}; there are ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  const results = previous();
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    const figures = await benchmark.run();
    // A benchmark's figures replace all of its earlier ones: a figure it no longer reports goes.
    for (const key of Object.keys(results))
      if (key.startsWith(`${benchmark.name}.`)) delete results[key];
    for (const [key, value] of Object.entries(figures)) {
      results[`${benchmark.name}.${key}`] = value;
      console.log(`   ${`${benchmark.name}.${key}`.padEnd(40)} ${value}`);
    }
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  }
  console.log(`\nfigures written to bench-results.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
