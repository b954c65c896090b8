import type { Knex } from 'knex';
import type { components } from '../generated/openapi';

type Q = Knex | Knex.Transaction;
type OrderMeasure = components['schemas']['OrderMeasure'];

/** One measure of an order as stored once in measure_sets: everything but its `until`, which is the entry's own. */
export type SetMeasure = Omit<OrderMeasure, 'until'>;

/**
 * The measures an order was issued with (names, memorandum, basis, reach, scenarios or roles), stored once per
 * distinct content in measure_sets (content-addressed: digest = sha256 of the jsonb text, unique) instead of copied
 * into every order, restriction and ban row (issue 23, ADR 0009). Rows keep the set's id; a set never changes once
 * written, so an order keeps exactly what it was issued with after a rule file changes (a changed rule makes a new
 * set). Sets are few (one per department, list and rule combination in use), so every process keeps those it has
 * seen in memory and the check path reads no extra table.
 */
interface Cache {
  /** id → measures, in jsonb key order: safe to keep as soon as known (an id is never reused, a set never changes) */
  byId: Map<number, SetMeasure[]>;
  /**
   * content (as written, and in jsonb key order) → id, of committed sets only: an id from a transaction that rolled
   * back would name no row
   */
  byKey: Map<string, number>;
}

/** One cache per database (a knex instance and its transactions share `client.config`). */
const caches = new WeakMap<object, Cache>();

function cacheOf(q: Q): Cache {
  const key = q.client.config as object;
  let cache = caches.get(key);
  if (!cache) {
    cache = { byId: new Map(), byKey: new Map() };
    caches.set(key, cache);
  }
  return cache;
}

/**
 * PostgreSQL's jsonb key order (shorter keys first, then bytewise), applied to objects at any depth: the measures an
 * API answer gives have the same bytes whether they came from the database or from this process's own writing.
 */
function jsonbOrdered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(jsonbOrdered) as T;
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, jsonbOrdered((value as Record<string, unknown>)[k])])) as T;
}

const DIGEST = "sha256(convert_to(x.m::text, 'UTF8'))";

/**
 * The ids of these sets, written when new (INSERT … ON CONFLICT DO NOTHING, so concurrent writers of the same set
 * agree on one row). In the caller's transaction: an order and its set commit together or not at all.
 */
export async function measureSetIds(q: Q, sets: readonly SetMeasure[][]): Promise<number[]> {
  const cache = cacheOf(q);
  // Looked up first as written (the planner writes its keys in one order: cheap, and it hits), then in jsonb order.
  const keys = sets.map((s) => JSON.stringify(s));
  const canonical = new Map<string, string>();
  for (const [n, key] of keys.entries())
    if (!cache.byKey.has(key) && !canonical.has(key)) canonical.set(key, JSON.stringify(jsonbOrdered(sets[n])));
  const found = new Map<string, number>();
  for (const [key, c] of canonical) {
    const id = cache.byKey.get(c);
    if (id !== undefined) found.set(key, id);
  }
  const missing = [...new Set([...canonical].filter(([key]) => !found.has(key)).map(([, c]) => c))];
  if (missing.length > 0) {
    const param = `[${missing.join(',')}]`;
    await q.raw(
      `insert into measure_sets (digest, measures) select ${DIGEST}, x.m from jsonb_array_elements(?::jsonb) x(m)
       on conflict (digest) do nothing`,
      [param],
    );
    // a statement of its own: it sees a set another transaction committed while this one waited on the conflict
    const { rows } = await q.raw<{ rows: { id: number; i: string }[] }>(
      `select s.id, x.i from jsonb_array_elements(?::jsonb) with ordinality x(m, i)
         join measure_sets s on s.digest = ${DIGEST}`,
      [param],
    );
    const idOf = new Map<string, number>();
    for (const { id, i } of rows) {
      const c = missing[Number(i) - 1] as string;
      idOf.set(c, id);
      cache.byId.set(id, JSON.parse(c));
    }
    for (const [key, c] of canonical) {
      const id = idOf.get(c);
      if (id !== undefined) found.set(key, id).set(c, id);
    }
  }
  if (found.size > 0) {
    const remember = () => {
      for (const [key, id] of found) cache.byKey.set(key, id);
    };
    if (q.isTransaction) (q as Knex.Transaction).executionPromise.then(remember, () => undefined);
    else remember();
  }
  return keys.map((k) => {
    const id = cache.byKey.get(k) ?? found.get(k);
    if (id === undefined) throw new Error('measure set not written');
    return id;
  });
}

/** Makes sure the sets of these ids are in memory: one query for those this process has not seen yet. */
export async function loadMeasureSets(q: Q, ids: Iterable<number>): Promise<void> {
  const cache = cacheOf(q);
  const missing = [...new Set(ids)].filter((id) => !cache.byId.has(id));
  if (missing.length === 0) return;
  const rows: { id: number; measures: SetMeasure[] }[] = await q('measure_sets')
    .whereIn('id', missing)
    .select('id', 'measures');
  for (const r of rows) cache.byId.set(r.id, jsonbOrdered(r.measures));
}

/** A set already loaded (loadMeasureSets); a missing one is a broken reference, not an empty set. */
export function measureSet(q: Q, id: number): SetMeasure[] {
  const set = cacheOf(q).byId.get(id);
  if (!set) throw new Error(`measure set ${id} not loaded`);
  return set;
}

/** One measure of a set by its code (a restriction's or ban's own measure). */
export function setMeasure(q: Q, id: number, code: string): SetMeasure {
  const m = measureSet(q, id).find((x) => x.code === code);
  if (!m) throw new Error(`measure set ${id} has no measure ${code}`);
  return m;
}

/**
 * The `until` of each measure of an order, in its set's order; null when every one is null (in force while listed:
 * 97% of generated orders), which stores nothing instead of a 29-byte array of nulls.
 */
export type Untils = (string | null)[] | null;

/** An order's measures as issued: its set, each with the order's own `until` (in jsonb key order, as stored before). */
export function orderMeasures(q: Q, id: number, untils: Untils): OrderMeasure[] {
  return measureSet(q, id).map((m, i) => jsonbOrdered({ ...m, until: untils?.[i] ?? null }));
}

/** The measures without their `until`s, and the `until`s in the same order: what an order row stores. */
export function splitMeasures(measures: readonly OrderMeasure[]): { set: SetMeasure[]; untils: Untils } {
  return {
    // a copy without `until`, for every order an import writes: kept to a plain copy and delete
    set: measures.map((m) => {
      const copy: Partial<OrderMeasure> = Object.assign({}, m);
      delete copy.until;
      return copy as SetMeasure;
    }),
    untils: measures.every((m) => m.until === null) ? null : measures.map((m) => m.until),
  };
}
