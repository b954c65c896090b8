import type { Db } from '../db/knex';
import { queryPrepared } from '../db/prepared';
import { setMeasure, type MeasureSetCache, type MeasureSetsById } from '../orders/measure-sets';
import { basisText } from '../rules/citations';

/**
 * Reads restrictions and bans for many subjects in one statement, with the list entry that grounds each (what a desk
 * puts on file: authority, decision number and date, subject, listing day).
 *
 * Now: through the partial indexes on active rows, so the cost depends on how many measures the asked subjects have,
 * not on how many entries the lists hold. As of an earlier moment (asOf): every row of the subjects, active or
 * lifted since, in force at some instant of [from, to) — issued before `to` and not lifted by `from`. Terms (`until`)
 * and scenario or role filters are applied by the caller, per request. Entries in a status that never was in force
 * (NEVER_IN_FORCE: revoked, i.e. listed in error) ground nothing, now or then.
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

/** Entry statuses that mean the entry never was in force (another issue adds `revoked`; absent statuses match nothing). */
const NEVER_IN_FORCE = ['revoked'];

/** A window of time to answer for: now (null), or [from, to) of an asOf day or instant. */
export interface AsOfWindow {
  from: Date;
  to: Date;
}

const ENTRY_COLUMNS = `e.authority, e.decision_no, e.decided_at,
       (e.created_at at time zone 'Asia/Shanghai')::date as listed_from, e.subject_name, e.subject_kind,
       e.uscc as entry_uscc, e.subject as entry_subject, e.related_persons as entry_related`;

const RESTRICTION_COLUMNS = `r.measure_code, r.measure_set_id, r.department, r.list_type, r.entry_id, r.until,
       ${ENTRY_COLUMNS}`;

const BAN_COLUMNS = `b.person_key, b.code, b.measure_set_id, b.list_type, b.entry_id, b.reached_as, b.enterprise_uscc,
       b.until, ${ENTRY_COLUMNS}`;

/** Now: active rows only (the partial indexes). $1 keys, $2 statuses never in force. */
const NOW = {
  enterprises: `select r.uscc, ${RESTRICTION_COLUMNS}
     from restrictions r join list_entries e on e.id = r.entry_id
    where r.uscc = any($1::text[]) and r.status = 'active' and r.uscc is not null and e.status <> all($2::text[])
    order by r.uscc, r.department, r.measure_code, e.decided_at, r.entry_id`,
  persons: `select r.person_key, ${RESTRICTION_COLUMNS}
     from restrictions r join list_entries e on e.id = r.entry_id
    where r.person_key = any($1::text[]) and r.status = 'active' and r.person_key is not null
      and e.status <> all($2::text[])
    order by r.person_key, r.department, r.measure_code, e.decided_at, r.entry_id`,
  bans: `select ${BAN_COLUMNS}
     from officer_bans b join list_entries e on e.id = b.entry_id
    where b.person_key = any($1::text[]) and b.status = 'active' and e.status <> all($2::text[])
    order by b.person_key, b.code, e.decided_at, b.entry_id`,
};

/** As of [$3, $4): rows issued (with their order) before $4 and not lifted by $3, whatever their status now. */
const THEN = {
  enterprises: `select r.uscc, ${RESTRICTION_COLUMNS}
     from restrictions r join list_entries e on e.id = r.entry_id join orders o on o.id = r.order_id
    where r.uscc = any($1::text[]) and e.status <> all($2::text[])
      and o.issued_at < $4 and (r.lifted_at is null or r.lifted_at > $3)
    order by r.uscc, r.department, r.measure_code, e.decided_at, r.entry_id`,
  persons: `select r.person_key, ${RESTRICTION_COLUMNS}
     from restrictions r join list_entries e on e.id = r.entry_id join orders o on o.id = r.order_id
    where r.person_key = any($1::text[]) and e.status <> all($2::text[])
      and o.issued_at < $4 and (r.lifted_at is null or r.lifted_at > $3)
    order by r.person_key, r.department, r.measure_code, e.decided_at, r.entry_id`,
  bans: `select ${BAN_COLUMNS}
     from officer_bans b join list_entries e on e.id = b.entry_id join orders o on o.id = b.order_id
    where b.person_key = any($1::text[]) and e.status <> all($2::text[])
      and o.issued_at < $4 and (b.lifted_at is null or b.lifted_at > $3)
    order by b.person_key, b.code, e.decided_at, b.entry_id`,
};

/** Rows name their order's measure set; the measure's texts come from there (held in memory, see measure-sets.ts). */
type Stored<Row> = Row & { measure_set_id: number };

async function read<Row>(
  db: Db,
  sets: MeasureSetCache,
  what: keyof typeof NOW,
  keys: readonly string[],
  asOf?: AsOfWindow,
) {
  const rows = asOf
    ? await queryPrepared<Stored<Row>>(db, `checks.${what}-as-of`, THEN[what], [
        keys,
        NEVER_IN_FORCE,
        asOf.from,
        asOf.to,
      ])
    : await queryPrepared<Stored<Row>>(db, `checks.${what}`, NOW[what], [keys, NEVER_IN_FORCE]);
  return {
    rows,
    sets: await sets.load(
      db,
      rows.map((r) => r.measure_set_id),
    ),
  };
}

/** A restriction's name, scenarios and basis ("document article", as resolved on the entry's decision date). */
function restrictionTexts(sets: MeasureSetsById, setId: number, code: string) {
  const m = setMeasure(sets, setId, code);
  return {
    measure_name: m.name,
    measure_name_en: m.nameEn,
    scenarios: m.scenarios ?? [],
    basis: m.basis.map(basisText),
  };
}

/**
 * What a check reads, on the primary only: an answer must never be clean for a subject listed a moment ago, which a
 * lagging replica could give (the subject index keeps the same invariant, src/checks/subject-index.ts); and hits
 * write decision records on the primary anyway. The statements are prepared once per connection (src/db/prepared.ts);
 * the measure sets the rows name are kept in this process's cache once met, so a warm check reads no extra table.
 */
export class CheckStore {
  constructor(
    private readonly primary: Db,
    private readonly sets: MeasureSetCache,
  ) {}

  async restrictionsOfEnterprises(usccs: readonly string[], asOf?: AsOfWindow): Promise<Map<string, RestrictionHit[]>> {
    const { rows, sets } = await read<RestrictionHit>(this.primary, this.sets, 'enterprises', usccs, asOf);
    const hits = rows.map((r) => ({ ...r, ...restrictionTexts(sets, r.measure_set_id, r.measure_code) }));
    return groupBy(hits, (r) => r.uscc);
  }

  async restrictionsOfPersons(
    personKeys: readonly string[],
    asOf?: AsOfWindow,
  ): Promise<Map<string, PersonRestrictionHit[]>> {
    const { rows, sets } = await read<PersonRestrictionHit>(this.primary, this.sets, 'persons', personKeys, asOf);
    const hits = rows.map((r) => ({ ...r, ...restrictionTexts(sets, r.measure_set_id, r.measure_code) }));
    return groupBy(hits, (r) => r.person_key);
  }

  async bansOfPersons(personKeys: readonly string[], asOf?: AsOfWindow): Promise<Map<string, BanHit[]>> {
    const { rows, sets } = await read<BanHit>(this.primary, this.sets, 'bans', personKeys, asOf);
    const hits = rows.map((r) => {
      const m = setMeasure(sets, r.measure_set_id, r.code);
      return { ...r, reason: m.name, reason_en: m.nameEn, roles: m.roles ?? [], basis: m.basis.map(basisText) };
    });
    return groupBy(hits, (r) => r.person_key);
  }
}

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
