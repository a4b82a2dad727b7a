import { TtlCache } from '../runtime/ttl-cache';

function setup(options: { ttlMs?: number; missTtlMs?: number; staleIfErrorMs?: number } = {}) {
  let now = 1_000_000;
  const store = new Map<string, string>();
  let failing = false;
  const loads: string[] = [];
  const stale: string[] = [];
  const cache = new TtlCache<string>({
    load: async (key) => {
      loads.push(key);
      if (failing) throw new Error('DynamoDB is down');
      return store.get(key);
    },
    ttlMs: options.ttlMs ?? 30_000,
    missTtlMs: options.missTtlMs ?? 5_000,
    staleIfErrorMs: options.staleIfErrorMs ?? 60_000,
    onStaleServed: (key) => stale.push(key),
    maxEntries: 3,
    now: () => now,
  });
  return {
    cache,
    store,
    loads,
    stale,
    advance: (ms: number) => (now += ms),
    fail: (value: boolean) => (failing = value),
  };
}

describe('TtlCache', () => {
  it('when a value is asked again within its TTL, then it is not read again; after it, it is', async () => {
    const t = setup();
    t.store.set('a', 'v1');
    expect(await t.cache.get('a')).toBe('v1');
    t.store.set('a', 'v2');
    t.advance(29_999);
    expect(await t.cache.get('a')).toBe('v1');
    t.advance(2);
    expect(await t.cache.get('a')).toBe('v2');
    expect(t.loads).toEqual(['a', 'a']);
  });

  it('when a key does not exist, then the miss is remembered for its shorter TTL', async () => {
    const t = setup();
    expect(await t.cache.get('nope')).toBeUndefined();
    expect(await t.cache.get('nope')).toBeUndefined();
    expect(t.cache.peek('nope')).toEqual({ hit: true, value: undefined });
    t.advance(5_001);
    expect(t.cache.peek('nope')).toEqual({ hit: false });
    t.store.set('nope', 'now it exists');
    expect(await t.cache.get('nope')).toBe('now it exists');
    expect(t.loads).toEqual(['nope', 'nope']);
  });

  it('when many ask for a key at once, then it is read once', async () => {
    const t = setup();
    t.store.set('a', 'v');
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.cache.get('a')));
    expect(new Set(answers)).toEqual(new Set(['v']));
    expect(t.loads).toEqual(['a']);
  });

  it('when the store fails after a value was known, then the value keeps serving, for a while', async () => {
    const t = setup({ staleIfErrorMs: 60_000 });
    t.store.set('a', 'v');
    await t.cache.get('a');
    t.fail(true);
    t.advance(30_001);
    expect(await t.cache.get('a')).toBe('v');
    expect(t.stale).toEqual(['a']);
    t.advance(60_000);
    await expect(t.cache.get('a')).rejects.toThrow('DynamoDB is down');
  });

  it('when the store fails for a key never read, then the error reaches the caller', async () => {
    const t = setup();
    t.fail(true);
    await expect(t.cache.get('a')).rejects.toThrow('DynamoDB is down');
  });

  it('when more keys than allowed are cached, then the oldest go first', async () => {
    const t = setup();
    for (const key of ['a', 'b', 'c', 'd']) t.store.set(key, key);
    for (const key of ['a', 'b', 'c', 'd']) await t.cache.get(key);
    expect(t.cache.peek('a')).toEqual({ hit: false });
    expect(t.cache.peek('d')).toEqual({ hit: true, value: 'd' });
  });

  it('when a key is deleted, then the next get reads it again', async () => {
    const t = setup();
    t.store.set('a', 'v1');
    expect(await t.cache.get('a')).toBe('v1');
    t.store.set('a', 'v2');
    t.cache.delete('a');
    expect(await t.cache.get('a')).toBe('v2');
    expect(t.loads).toEqual(['a', 'a']);
  });

  it('when a key is deleted while it is being read, then that read does not put its value back', async () => {
    let release: (value: string) => void = () => undefined;
    const loads: string[] = [];
    const values = ['old', 'new'];
    const cache = new TtlCache<string>({
      load: (key) => {
        loads.push(key);
        const value = values.shift()!;
        return value === 'old'
          ? new Promise((resolve) => (release = resolve))
          : Promise.resolve(value);
      },
      ttlMs: 30_000,
      missTtlMs: 5_000,
    });
    const inFlight = cache.get('a');
    cache.delete('a');
    expect(await cache.get('a')).toBe('new');
    release('old');
    expect(await inFlight).toBe('old');
    expect(await cache.get('a')).toBe('new');
    expect(loads).toEqual(['a', 'a']);
  });
});
