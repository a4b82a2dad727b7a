import { TtlCache, type Logger } from '@leadflow/core';

export interface ConfigCacheOptions {
  /** How long a found value is served; a change in tenant-config takes effect within it. */
  cacheMs: number;
  /** How long "not found" is remembered: briefly, so a form or tenant created now is found soon. */
  missCacheMs?: number;
  logger: Logger;
}

/**
 * A cache of what tenant-config writes and ingestion reads on every request (published forms,
 * tenants' settings, their form ids): while the table does not answer, the last value found
 * within 5 minutes is served, so an outage of DynamoDB does not stop leads of known forms.
 */
export function configCache<V>(
  what: string,
  load: (key: string) => Promise<V | undefined>,
  { cacheMs, missCacheMs = 5_000, logger }: ConfigCacheOptions,
): TtlCache<V> {
  return new TtlCache({
    load,
    ttlMs: cacheMs,
    missTtlMs: Math.min(missCacheMs, cacheMs),
    staleIfErrorMs: 5 * 60_000,
    onStaleServed: (key, error) =>
      logger.warn({ err: error, key }, `${what} lookup failed; serving the cached one`),
  });
}
