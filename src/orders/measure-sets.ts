import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import { plannedSetKey } from '../rules/outcome-planner';
import { BoundedCache } from '../util/bounded-cache';

type Q = Knex | Knex.Transaction;
type OrderMeasure = components['schemas']['OrderMeasure'];

/** One measure of an order as stored once in measure_sets: everything but its `until`, which is the entry's own. */
export type SetMeasure = Omit<OrderMeasure, 'until'>;

/**
 * The measures an order was issued with (names, memorandum, basis, reach, scenarios or roles), stored once per
 * distinct content in measure_sets (content-addressed: digest = sha256 of the jsonb text, unique) instead of copied
 * into every order, restriction and ban row (issue 23, ADR 0009). Rows keep the set's id; a set never changes once
 * written, so an order keeps exactly what it was issued with after a rule file changes (a changed rule makes a new
 * set). Sets are few (one per department, list and rule combination in use): a page of orders reads its sets in one
 * more query, and the check path keeps those it has met in a MeasureSetCache.
 */
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
 * The JSON of an order's set (its measures without their `until`s) in jsonb key order, remembered by the planner's
 * key for the measures (plannedSetKey: which rules and citations; starts with '#'), else by their plain JSON: an
 * import writes the same few sets (one per department, list and rule combination) for every one of its orders.
 * Copying and reordering each order's measures was a tenth of the importer's CPU, and serialising each to find its
 * set (the key before the planner's) another 5% with a share of its garbage collection. A pure function of the key,
 * so sharing it across calls is safe; bounded all the same.
 */
const setJsonOf = new BoundedCache<string, string>(10_000);

export function measureSetJson(measures: readonly OrderMeasure[]): string {
  const key = plannedSetKey(measures) ?? JSON.stringify(measures);
  return setJsonOf.get(key, () => JSON.stringify(jsonbOrdered(splitMeasures(measures).set)));
}

/**
 * The ids of the sets of these orders' measures, written when new (INSERT … ON CONFLICT DO NOTHING, so concurrent
 * writers of the same set agree on one row). In the caller's transaction: an order and its set commit together or
 * not at all.
 */
export async function measureSetIds(q: Q, orders: readonly (readonly OrderMeasure[])[]): Promise<number[]> {
  // Looked up by content in jsonb key order, so the same measures written by any path name the same set.
  const keys = orders.map(measureSetJson);
  const distinct = [...new Set(keys)];
  if (distinct.length === 0) return [];
  const param = `[${distinct.join(',')}]`;
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
  const idOf = new Map(rows.map(({ id, i }) => [distinct[Number(i) - 1] as string, id]));
  return keys.map((k) => {
    const id = idOf.get(k);
    if (id === undefined) throw new Error('measure set not written');
    return id;
  });
}

/** Sets by id, as read with their rows: one query for a page, a check or a chunk (sets are few and small). */
export type MeasureSetsById = ReadonlyMap<number, SetMeasure[]>;

export async function readMeasureSets(q: Q, ids: Iterable<number>): Promise<MeasureSetsById> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows: { id: number; measures: SetMeasure[] }[] = await q('measure_sets')
    .whereIn('id', wanted)
    .select('id', 'measures');
  return new Map(rows.map((r) => [r.id, jsonbOrdered(r.measures)]));
}

/**
 * The sets a check process has met, kept in memory: the check path reads no extra table once warm. Safe to keep for
 * the life of the process because an id is never reused and a set never changes (a trigger refuses UPDATE and
 * DELETE). One per composition root (built in src/services.ts and given to the CheckStore), never module state.
 */
export class MeasureSetCache {
  private readonly byId = new Map<number, SetMeasure[]>();

  /** Makes sure the sets of these ids are here: one query for those not seen yet. */
  async load(q: Q, ids: Iterable<number>): Promise<MeasureSetsById> {
    const missing = [...new Set(ids)].filter((id) => !this.byId.has(id));
    for (const [id, set] of await readMeasureSets(q, missing)) this.byId.set(id, set);
    return this.byId;
  }
}

/** A set read with its rows (readMeasureSets, MeasureSetCache); a missing one is a broken reference, not an empty set. */
export function measureSet(sets: MeasureSetsById, id: number): SetMeasure[] {
  const set = sets.get(id);
  if (!set) throw new Error(`measure set ${id} not loaded`);
  return set;
}

/**
 * The `until` of each measure of an order, in its set's order; null when every one is null (in force while listed:
 * 97% of generated orders), which stores nothing instead of a 29-byte array of nulls.
 */
export type Untils = (string | null)[] | null;

/** An order's measures as issued: its set, each with the order's own `until` (in jsonb key order, as stored before). */
export function orderMeasures(sets: MeasureSetsById, id: number, untils: Untils): OrderMeasure[] {
  return measureSet(sets, id).map((m, i) => jsonbOrdered({ ...m, until: untils?.[i] ?? null }));
}

/** The `until` of each measure, or null when every one is null (see Untils). */
export function untilsOf(measures: readonly OrderMeasure[]): Untils {
  return measures.every((m) => m.until === null) ? null : measures.map((m) => m.until);
}

/** The measures without their `until`s, and the `until`s in the same order: what an order row stores. */
function splitMeasures(measures: readonly OrderMeasure[]): { set: SetMeasure[]; untils: Untils } {
  return {
    // a copy without `until`, for every order an import writes: kept to a plain copy and delete
    set: measures.map((m) => {
      const copy: Partial<OrderMeasure> = Object.assign({}, m);
      delete copy.until;
      return copy as SetMeasure;
    }),
    untils: untilsOf(measures),
  };
}
