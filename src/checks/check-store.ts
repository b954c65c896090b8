import type { Db } from '../db/knex';
import { queryPrepared } from '../db/prepared';
import type { EntryPerson } from '../lists/entry-facts';
import {
  measureSet,
  type MeasureSetCache,
  type MeasureSetsById,
  type SetMeasure,
  type Untils,
} from '../orders/measure-sets';
import { bansReached, type EntryOfOrder, type ReachedRestriction, restrictionsReached } from '../restrictions/reach';
import { basisText } from '../rules/citations';

/**
 * Reads restrictions and bans for many subjects in one statement, with the list entry that grounds each (what a desk
 * puts on file: authority, decision number and date, subject, listing day). Entries in a status that never was in
 * force (NEVER_IN_FORCE: revoked, i.e. listed in error) ground nothing, now or then.
 */
interface GroundColumns {
  entry_id: string;
  list_type: string;
  authority: string;
  decision_no: string;
  decided_at: string;
  listed_from: string;
  subject_name: string;
  subject_kind: 'enterprise' | 'person';
  entry_uscc: string | null;
  /** the entry's display subject and related persons (masked): how a person was reached through a company */
  entry_subject: { legalRepresentative?: { name: string; idNumberMasked: string } };
  entry_related: { role: string; name: string; idNumberMasked: string }[];
  until: string | null;
}

export interface RestrictionHit extends GroundColumns {
  uscc: string;
  measure_code: string;
  measure_name: string;
  measure_name_en: string;
  department: string;
  scenarios: string[];
  basis: string[];
}

export interface PersonRestrictionHit extends Omit<RestrictionHit, 'uscc'> {
  person_key: string;
}

export interface BanHit extends GroundColumns {
  person_key: string;
  code: string;
  reason: string;
  reason_en: string;
  basis: string[];
  reached_as: string;
  enterprise_uscc: string | null;
  roles: string[];
}

/** Entry statuses that mean the entry never was in force (revoked: listed in error); they ground nothing, then or now. */
const NEVER_IN_FORCE = ['revoked'];

/** A window of time to answer for: now (null), or [from, to) of an asOf day or instant. */
export interface AsOfWindow {
  from: Date;
  to: Date;
}

/**
 * The entries that name the asked subjects, each once, with its orders as one JSON array (the entry's columns are
 * sent and parsed once, not once per order). Restrictions and bans are not rows of their own (ADR 0012): what an
 * order's measures reach is read from its set, its untils and the entry's subject and persons
 * (src/restrictions/reach.ts).
 */
const ENTRY_COLUMNS = `e.id as entry_id, e.list_type, e.authority, e.decision_no, e.decided_at,
       (e.created_at at time zone 'Asia/Shanghai')::date as listed_from, e.subject_name, e.subject_kind,
       e.uscc as entry_uscc, e.subject as entry_subject, e.related_persons as entry_related, e.persons`;

/**
 * An entry's orders (issued before $3 when given) as one JSON array, or null: a subquery per entry, an
 * orders(entry_id) probe, with no GROUP BY over the entry's columns.
 */
const ORDERS_OF_ENTRY = (issuedBefore: string | null) => `(
         select json_agg(json_build_object('department', o.department, 'measure_set_id', o.measure_set_id,
                                           'measure_untils', o.measure_untils))
           from orders o where o.entry_id = e.id${issuedBefore ? ` and o.issued_at < ${issuedBefore}` : ''}) as orders`;

const NAMED_COLUMNS = `id, list_type, authority, decision_no, decided_at, created_at, subject_name, subject_kind, uscc,
       subject, related_persons, persons, status, ended_at`;

/**
 * The entries naming the asked keys, found by the key's index alone, and only then filtered by state: as one
 * statement PostgreSQL may AND the key's index with the state's (list_entries_status_created_idx), which reads every
 * active entry, and does so on a table without statistics (6 ms for 13,503 entries, 1 ms with the fence; it grows
 * with the list). A USCC is a b-tree probe; person keys are probed one by one on the GIN index (`@>` one key):
 * `&&` with hundreds of keys, unanalysed, was planned as a sequential scan (1.4 s at 100,000 entries, against 24 ms
 * for 1,000 probes; OFFSET 0 keeps each a probe). MATERIALIZED keeps the lookup what it is whatever the statistics
 * say.
 */
const NAMED = {
  enterprises: `select ${NAMED_COLUMNS} from list_entries e where e.uscc = any($1::text[])`,
  persons: `select distinct on (e.id) e.*
         from unnest($1::text[]) as k(key),
              lateral (select ${NAMED_COLUMNS} from list_entries e where e.person_keys @> array[k.key] offset 0) e`,
};
type Named = keyof typeof NAMED;
const NAMING = (named: Named) => `with named as materialized (${NAMED[named]})`;

/** Now: the entries in force ($1 keys). As of [$2, $3): issued before $3, not ended by $2, never revoked ($4). */
const ENTRIES = {
  now: (named: Named) => `${NAMING(named)}
   select ${ENTRY_COLUMNS}, ${ORDERS_OF_ENTRY(null)}
     from named e
    where e.status = 'active'`,
  asOf: (named: Named) => `${NAMING(named)}
   select ${ENTRY_COLUMNS}, ${ORDERS_OF_ENTRY('$3')}
     from named e
    where e.status <> all($4::text[]) and (e.ended_at is null or e.ended_at > $2)`,
};

interface EntryWithOrders extends Omit<GroundColumns, 'until'> {
  persons: EntryPerson[] | null;
  /** null: no order (issued before the window's end) */
  orders: { department: string; measure_set_id: number; measure_untils: Untils }[] | null;
}

/** The entries that name these subjects (now or as of a window) with their orders, and the sets those name. */
async function entriesNaming(db: Db, sets: MeasureSetCache, named: Named, keys: readonly string[], asOf?: AsOfWindow) {
  const entries = asOf
    ? await queryPrepared<EntryWithOrders>(db, `checks.entries-of-${named}-as-of`, ENTRIES.asOf(named), [
        keys,
        asOf.from,
        asOf.to,
        NEVER_IN_FORCE,
      ])
    : await queryPrepared<EntryWithOrders>(db, `checks.entries-of-${named}`, ENTRIES.now(named), [keys]);
  return {
    entries,
    sets: await sets.load(
      db,
      entries.flatMap((e) => (e.orders ?? []).map((o) => o.measure_set_id)),
    ),
  };
}

const entryOf = (e: EntryWithOrders): EntryOfOrder => ({
  subject_kind: e.subject_kind,
  uscc: e.entry_uscc,
  persons: e.persons,
});

/** What a desk puts on file for a hit: the entry's ground columns (the order's own ones and the persons left out). */
function groundOf(o: EntryWithOrders, until: string | null): GroundColumns {
  return {
    entry_id: o.entry_id,
    list_type: o.list_type,
    authority: o.authority,
    decision_no: o.decision_no,
    decided_at: o.decided_at,
    listed_from: o.listed_from,
    subject_name: o.subject_name,
    subject_kind: o.subject_kind,
    entry_uscc: o.entry_uscc,
    entry_subject: o.entry_subject,
    entry_related: o.entry_related,
    until,
  };
}

/** A restriction's name, scenarios and basis ("document article", as resolved on the entry's decision date). */
function restrictionTexts(m: SetMeasure) {
  return {
    measure_code: m.code,
    measure_name: m.name,
    measure_name_en: m.nameEn,
    scenarios: m.scenarios ?? [],
    basis: m.basis.map(basisText),
  };
}

/**
 * Each restriction the entries' orders put on an asked subject (keyOf: its USCC or person key, null when it reaches
 * the other kind), as a hit without that key, which the caller names.
 */
function restrictionsOn(
  entries: readonly EntryWithOrders[],
  sets: MeasureSetsById,
  keys: readonly string[],
  keyOf: (r: ReachedRestriction) => string | null,
) {
  const asked = new Set(keys);
  const out: { key: string; hit: Omit<RestrictionHit, 'uscc'> }[] = [];
  for (const e of entries) {
    const entry = entryOf(e);
    for (const o of e.orders ?? [])
      for (const r of restrictionsReached(entry, measureSet(sets, o.measure_set_id), o.measure_untils)) {
        const key = keyOf(r);
        if (key !== null && asked.has(key))
          out.push({ key, hit: { ...groundOf(e, r.until), department: o.department, ...restrictionTexts(r.measure) } });
      }
  }
  return out;
}

/** The order the answers always had (subject, department, measure, decision date, entry), in code-unit order. */
const byKeys =
  <T>(...keys: ((row: T) => string)[]) =>
  (a: T, b: T) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/**
 * What a check reads, on the primary only: an answer must never be clean for a subject listed a moment ago, which a
 * lagging replica could give (the subject index keeps the same invariant, src/checks/subject-index.ts); and hits
 * write decision records on the primary anyway. The statements are prepared once per connection (src/db/prepared.ts);
 * the measure sets the orders name are kept in this process's cache once met, so a warm check reads no extra table.
 *
 * Now: the entries in force that name the subjects, through the USCC b-tree or the person keys' GIN index, and their
 * orders through orders(entry_id): the cost follows the asked subjects' entries, not the lists' size. As of an
 * earlier moment: the orders in force at some instant of [from, to), issued before `to` by an entry not ended by
 * `from`. Terms (`until`) and scenario or role filters are applied by the caller, per request.
 */
export class CheckStore {
  constructor(
    private readonly primary: Db,
    private readonly sets: MeasureSetCache,
  ) {}

  async restrictionsOfEnterprises(usccs: readonly string[], asOf?: AsOfWindow): Promise<Map<string, RestrictionHit[]>> {
    const { entries, sets } = await entriesNaming(this.primary, this.sets, 'enterprises', usccs, asOf);
    const hits = restrictionsOn(entries, sets, usccs, (r) => r.uscc).map(({ key, hit }) => ({ ...hit, uscc: key }));
    return groupBy(hits.sort(byKeys<RestrictionHit>((h) => h.uscc, ...HIT_ORDER)), (r) => r.uscc);
  }

  async restrictionsOfPersons(
    personKeys: readonly string[],
    asOf?: AsOfWindow,
  ): Promise<Map<string, PersonRestrictionHit[]>> {
    const { entries, sets } = await entriesNaming(this.primary, this.sets, 'persons', personKeys, asOf);
    const hits = restrictionsOn(entries, sets, personKeys, (r) => r.personKey).map(({ key, hit }) => ({
      ...hit,
      person_key: key,
    }));
    return groupBy(hits.sort(byKeys<PersonRestrictionHit>((h) => h.person_key, ...HIT_ORDER)), (r) => r.person_key);
  }

  async bansOfPersons(personKeys: readonly string[], asOf?: AsOfWindow): Promise<Map<string, BanHit[]>> {
    const { entries, sets } = await entriesNaming(this.primary, this.sets, 'persons', personKeys, asOf);
    const asked = new Set(personKeys);
    const hits: BanHit[] = [];
    for (const e of entries) {
      const entry = entryOf(e);
      for (const o of e.orders ?? [])
        for (const b of bansReached(entry, measureSet(sets, o.measure_set_id), o.measure_untils))
          if (asked.has(b.person.personKey))
            hits.push({
              ...groundOf(e, b.until),
              person_key: b.person.personKey,
              code: b.measure.code,
              reason: b.measure.name,
              reason_en: b.measure.nameEn,
              roles: b.measure.roles ?? [],
              basis: b.measure.basis.map(basisText),
              reached_as: b.reachedAs,
              enterprise_uscc: e.subject_kind === 'enterprise' ? e.entry_uscc : null,
            });
    }
    return groupBy(
      hits.sort(
        byKeys<BanHit>(
          (h) => h.person_key,
          (h) => h.code,
          (h) => h.decided_at,
          (h) => h.entry_id,
        ),
      ),
      (r) => r.person_key,
    );
  }
}

/** After the subject: department, measure, decision date, entry. */
const HIT_ORDER: ((h: RestrictionHit | PersonRestrictionHit) => string)[] = [
  (h) => h.department,
  (h) => h.measure_code,
  (h) => h.decided_at,
  (h) => h.entry_id,
];

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}
