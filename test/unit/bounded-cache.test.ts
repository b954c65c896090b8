import { BoundedCache } from '../../src/util/bounded-cache';

describe('BoundedCache', () => {
  it('makes a value once per key, and starts over when it holds its limit', () => {
    const cache = new BoundedCache<string, number>(2);
    let made = 0;
    const make = () => ++made;
    expect(cache.get('a', make)).toBe(1);
    expect(cache.get('a', make)).toBe(1);
    expect(cache.get('b', make)).toBe(2);
    // full: the third key empties it, so 'a' is made again
    expect(cache.get('c', make)).toBe(3);
    expect(cache.get('a', make)).toBe(4);
    expect(made).toBe(4);
  });
});
