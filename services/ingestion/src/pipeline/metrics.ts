/** What ingestion counts in process; the log carries each event, these carry the totals. */
export const COUNTERS = [
  'accepted',
  'replayed',
  'rejected',
  'honeypot',
  'publishFailed',
  'rateLimited',
] as const;
export type Counter = (typeof COUNTERS)[number];

export class IngestionMetrics {
  private readonly counts: Record<Counter, number> = {
    accepted: 0,
    replayed: 0,
    rejected: 0,
    honeypot: 0,
    publishFailed: 0,
    rateLimited: 0,
  };

  increment(counter: Counter, by = 1): void {
    this.counts[counter] += by;
  }

  snapshot(): Readonly<Record<Counter, number>> {
    return { ...this.counts };
  }
}
