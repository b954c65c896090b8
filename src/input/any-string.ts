/**
 * Whether any string of a parsed input fails `isBad` (given the field name it stands under; in an array, the
 * array's), or any field name fails `isBadKey`. The input guards (text-guard.ts, garbled-text.ts) ask this first and
 * build the path of each problem only when there is one: building a path, an entries pair and a flatMap for every
 * field of every row was ~8% of the importer's garbage, for rows that are almost always clean.
 */
export function anyStringOrKey(
  value: unknown,
  isBad: (text: string, key: string) => boolean,
  isBadKey: (key: string) => boolean = () => false,
  key = '',
): boolean {
  if (typeof value === 'string') return isBad(value, key);
  // loops, not some() and Object.keys(): no closure or key array for each of a row's objects
  if (Array.isArray(value)) {
    for (const v of value) if (anyStringOrKey(v, isBad, isBadKey, key)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      if (isBadKey(k) || anyStringOrKey((value as Record<string, unknown>)[k], isBad, isBadKey, k)) return true;
    }
  }
  return false;
}
