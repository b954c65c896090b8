import type { Knex } from 'knex';
import { enterpriseKey, personKey } from '../checks/subject-index';
import type { OfficerBanRecord, RestrictionRecord } from '../db/tables';
import type { PlannedBan, PlannedRestriction } from '../rules/outcome-planner';

/*
 * Not a store object, unlike the others built in createServices: nothing here reads for a caller. Restrictions and
 * bans are read by the check path (CheckStore, on the primary) and counted by the reports; what is here builds their
 * rows (pure), writes them (insertRestrictionRows, insertBanRows: the RowWriters, src/lists/row-writer.ts) and lifts
 * them (liftRestrictionsOfEntry: endEntry, src/lists/entry-lifecycle.ts), always in the caller's writing
 * transaction on the primary. An object would only be threaded through the lifecycle module and every writer.
 */

type Q = Knex | Knex.Transaction;

/** Ends every restriction and ban of an entry, in the caller's transaction; returns how many of each were lifted. */
export async function liftRestrictionsOfEntry(
  trx: Knex.Transaction,
  entryId: string,
  at: Date,
): Promise<{ restrictions: number; bans: number }> {
  const restrictions = await trx('restrictions')
    .where({ entry_id: entryId, status: 'active' })
    .update({ status: 'lifted', lifted_at: at });
  const bans = await trx('officer_bans')
    .where({ entry_id: entryId, status: 'active' })
    .update({ status: 'lifted', lifted_at: at });
  return { restrictions, bans };
}

/**
 * A restriction row ready to insert (see restrictionRowsOf). Its name, scenarios and basis are its order's: the row
 * names the order's measure set (src/orders/measure-sets.ts) and its measure code, and readers take them from there.
 */
export type NewRestrictionRow = Pick<
  RestrictionRecord,
  | 'entry_id'
  | 'order_id'
  | 'measure_set_id'
  | 'subject_kind'
  | 'uscc'
  | 'person_key'
  | 'measure_code'
  | 'department'
  | 'list_type'
  | 'until'
>;

/** A ban row ready to insert (see banRowsOf); its reason, roles and basis are in its order's measure set. */
export type NewBanRow = Pick<
  OfficerBanRecord,
  | 'entry_id'
  | 'order_id'
  | 'measure_set_id'
  | 'person_key'
  | 'person_masked'
  | 'reached_as'
  | 'code'
  | 'list_type'
  | 'enterprise_uscc'
  | 'until'
>;

/** The order a department's rows belong to, and the measure set it was issued with. */
type OrderOf = (department: string) => { id: string; measureSetId: number };

export function restrictionRowsOf(
  entryId: string,
  listType: string,
  orderOf: OrderOf,
  rows: PlannedRestriction[],
): NewRestrictionRow[] {
  return rows.map((r) => {
    const order = orderOf(r.department);
    return {
      entry_id: entryId,
      order_id: order.id,
      measure_set_id: order.measureSetId,
      subject_kind: r.subjectKind,
      uscc: r.uscc,
      person_key: r.personKey,
      measure_code: r.measureCode,
      department: r.department,
      list_type: listType,
      until: r.until,
    };
  });
}

export function banRowsOf(entryId: string, listType: string, orderOf: OrderOf, rows: PlannedBan[]): NewBanRow[] {
  return rows.map((b) => {
    const order = orderOf(b.department);
    return {
      entry_id: entryId,
      order_id: order.id,
      measure_set_id: order.measureSetId,
      person_key: b.personKey,
      person_masked: b.personMasked,
      reached_as: b.reachedAs,
      code: b.code,
      list_type: listType,
      enterprise_uscc: b.enterpriseUscc,
      until: b.until,
    };
  });
}

/** Rows per statement: one JSON parameter each, so the limit is the statement's size (a few MB), not 65,535 parameters. */
const ROWS_PER_STATEMENT = 10_000;

/** Each column a new row has, with its SQL type: every key of the row type, and only those, or it does not compile. */
const columnsOf = <Row>(types: Record<keyof Row & string, string>) =>
  Object.entries(types)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');
const RESTRICTION_COLUMNS = columnsOf<NewRestrictionRow>({
  entry_id: 'uuid',
  order_id: 'uuid',
  measure_set_id: 'integer',
  subject_kind: 'text',
  uscc: 'text',
  person_key: 'text',
  measure_code: 'text',
  department: 'text',
  list_type: 'text',
  until: 'date',
});
const BAN_COLUMNS = columnsOf<NewBanRow>({
  entry_id: 'uuid',
  order_id: 'uuid',
  measure_set_id: 'integer',
  person_key: 'text',
  person_masked: 'text',
  reached_as: 'text',
  code: 'text',
  list_type: 'text',
  enterprise_uscc: 'text',
  until: 'date',
});
const namesOf = (columns: string) =>
  columns
    .split(', ')
    .map((c) => c.split(' ')[0])
    .join(', ');

/**
 * Inserts any number of restriction rows, a whole bulk chunk at once: the rows travel as one jsonb parameter and
 * PostgreSQL unpacks them with jsonb_to_recordset. Measured faster than knex multi-row VALUES at bulk sizes (no
 * parameter limit, far less query building in Node).
 */
export async function insertRestrictionRows(q: Q, rows: NewRestrictionRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const slice = rows.slice(i, i + ROWS_PER_STATEMENT);
    await q.raw(
      `insert into restrictions (${namesOf(RESTRICTION_COLUMNS)}) select ${namesOf(RESTRICTION_COLUMNS)} from jsonb_to_recordset(?::jsonb) as x(${RESTRICTION_COLUMNS})`,
      [JSON.stringify(slice)],
    );
  }
}

/** The subject-index keys of rows about to be written (src/checks/subject-index.ts). */
export function subjectKeysOf(restrictions: NewRestrictionRow[], bans: NewBanRow[]): string[] {
  return [
    ...restrictions.map((r) => (r.uscc !== null ? enterpriseKey(r.uscc) : personKey(r.person_key as string))),
    ...bans.map((r) => personKey(r.person_key)),
  ];
}

export async function insertBanRows(q: Q, rows: NewBanRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const slice = rows.slice(i, i + ROWS_PER_STATEMENT);
    await q.raw(
      `insert into officer_bans (${namesOf(BAN_COLUMNS)}) select ${namesOf(BAN_COLUMNS)} from jsonb_to_recordset(?::jsonb) as x(${BAN_COLUMNS})`,
      [JSON.stringify(slice)],
    );
  }
}
