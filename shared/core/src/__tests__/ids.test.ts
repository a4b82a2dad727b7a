import { decodeTime, isValid } from 'ulid';
import { newId } from '../ids';

describe('newId', () => {
  it('when asked for ids, then each is a valid ULID of the given time', () => {
    const id = newId(1_700_000_000_123);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(1_700_000_000_123);
  });

  it('when asked many times (through several pool refills), then no two ids are the same', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newId(1_700_000_000_000)));
    expect(ids.size).toBe(20_000);
  });

  it('when the random part is drawn, then every ULID character occurs', () => {
    const seen = new Set(
      Array.from({ length: 2_000 }, () => newId()).flatMap((id) => [...id.slice(10)]),
    );
    expect(seen.size).toBe(32);
  });
});
