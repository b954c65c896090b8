/**
 * A memo of a pure computation whose keys repeat a lot but could in principle be many: emptied whole when it reaches
 * `limit` keys, which bounds its memory without the bookkeeping of an LRU (a hot key is simply made again once).
 */
export class BoundedCache<K, V> {
  private readonly kept = new Map<K, V>();

  constructor(private readonly limit: number) {}

  /** The value kept for `key`, made by `make` (and kept) the first time. */
  get(key: K, make: () => V): V {
    let value = this.kept.get(key);
    if (value === undefined) {
      value = make();
      if (this.kept.size >= this.limit) this.kept.clear();
      this.kept.set(key, value);
    }
    return value;
  }
}
