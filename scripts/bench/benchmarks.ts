import { crmSyncBenchmark } from '../../services/crm-sync/bench/crm-sync.bench';
import { ingestionBenchmark } from '../../services/ingestion/bench/ingestion.bench';
import { leadsBenchmark } from '../../services/leads/bench/leads.bench';

/** Figures of one benchmark, by key (without the benchmark's prefix). */
export type BenchFigures = Record<string, number | string>;

export interface Benchmark {
  /** The key prefix in bench-results.json. */
  name: string;
  description: string;
  run(): Promise<BenchFigures>;
}

/** Every benchmark of `make bench`, in the order they run. */
export const BENCHMARKS: Benchmark[] = [ingestionBenchmark, leadsBenchmark, crmSyncBenchmark];
