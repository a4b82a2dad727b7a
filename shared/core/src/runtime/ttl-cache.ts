export interface TtlCacheOptions<V> {
  /** Reads the value; undefined when it does not exist. */
  load: (key: string) => Promise<V | undefined>;
  /** How long a found value is served before it is read again. */
  ttlMs: number;
  /** How long "not found" is remembered, so a flood on an unknown key does not reach the store. */
  missTtlMs: number;
  /** When a read fails, a value found at most this long ago is served instead of the error. */
  staleIfErrorMs?: number;
  /** The oldest entries go first beyond this many. */
  maxEntries?: number;
  onStaleServed?: (key: string, error: unknown) => void;
  now?: () => number;
}

interface Entry<V> {
  value: V | undefined;
  loadedAt: number;
  freshUntil: number;
}

/**
 * A read-through cache of small configuration items (tenant settings, forms, API keys, CRM
 * connections and credentials): values for `ttlMs`, misses for
 * `missTtlMs`, one read in flight per key however many requests ask, and the last known
 * value while the store does not answer.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** The read in flight per key; `delete` drops it, so that read does not put its value back. */
  private readonly loading = new Map<string, Promise<V | undefined>>();
  private readonly now: () => number;

  constructor(private readonly options: TtlCacheOptions<V>) {
    this.now = options.now ?? Date.now;
  }

  /** The cached value while it is fresh, without waiting; `hit: false` when it must be read. */
  peek(key: string): { hit: true; value: V | undefined } | { hit: false } {
    const entry = this.entries.get(key);
    if (entry && entry.freshUntil > this.now()) return { hit: true, value: entry.value };
    return { hit: false };
  }

  /** Forgets the key: the next `get` reads it again. */
  delete(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  get(key: string): Promise<V | undefined> {
    const cached = this.peek(key);
    if (cached.hit) return Promise.resolve(cached.value);
    let pending = this.loading.get(key);
    if (!pending) {
      const stillWanted = () => this.loading.get(key) === read;
      const read: Promise<V | undefined> = this.refresh(key, stillWanted).finally(() => {
        if (stillWanted()) this.loading.delete(key);
      });
      this.loading.set(key, read);
      pending = read;
    }
    return pending;
  }

  private async refresh(key: string, stillWanted: () => boolean): Promise<V | undefined> {
    const previous = this.entries.get(key);
    let value: V | undefined;
    try {
      value = await this.options.load(key);
    } catch (error) {
      const staleFor = this.options.staleIfErrorMs ?? 0;
      if (previous?.value !== undefined && this.now() - previous.loadedAt <= staleFor) {
        this.options.onStaleServed?.(key, error);
        return previous.value;
      }
      throw error;
    }
    if (!stillWanted()) return value;
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, {
      value,
      loadedAt: now,
      freshUntil: now + (value === undefined ? this.options.missTtlMs : this.options.ttlMs),
    });
    const max = this.options.maxEntries ?? 10_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}
