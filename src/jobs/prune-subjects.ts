import type { Db } from '../db/knex';
import type { JobCounts } from './job-runner';

const CHUNK = 5_000;

/**
 * Whether the orders of entry `e` reach the subject `s.subject_key`: the rule the orders' trigger adds by
 * (measure_sets' reach columns and entry_subject_keys, migration 20261206300000), so what this job deletes and what it
 * and the trigger add agree. A person named by an entry in force but reached by none of its measures (the legal
 * representative of an enterprise on the abnormal-operations list) is not kept for that entry.
 */
const REACHED_BY_ENTRY = `s.subject_key in (
  select entry_subject_keys(e.id, r.enterprise, r.roles)
    from (select bool_or(m.restricts_enterprise) as enterprise, bit_or(m.reach_roles) as roles
            from orders o join measure_sets m on m.id = o.measure_set_id
           where o.entry_id = e.id) r)`;

/**
 * Subjects no measure in force reaches any more leave subjects_in_force (migrations 20261205500000, 20261206300000),
 * so the subject index stops over-reporting them after its next reload. Race-free against a writer that makes the subject
 * active again at the same moment: the writer's trigger upserts the row (touched_at = its now() when older than an
 * hour, else only a row lock), and only rows untouched for a day are deleted. If the writer got there first, the
 * delete waits for its lock and re-checks `touched_at` on the new row version (not deleted); if the delete got there
 * first, the writer's upsert inserts the row again. Keyset chunks: each statement is short, whatever the table's size.
 */
export async function pruneSubjectsInForce(db: Db): Promise<JobCounts> {
  let after = '';
  let pruned = 0;
  let scanned = 0;
  for (;;) {
    const { rows } = await db.raw<{ rows: { last: string | null; n: number; deleted: number }[] }>(
      `with chunk as (
         select subject_key from subjects_in_force where subject_key > ? order by subject_key limit ?
       ), gone as (
         delete from subjects_in_force s using chunk c
          where s.subject_key = c.subject_key
            and s.touched_at < now() - interval '1 day'
            and not exists (select 1 from list_entries e where left(s.subject_key, 1) = 'u'
                             and e.status = 'active' and e.uscc = substr(s.subject_key, 2)
                             and ${REACHED_BY_ENTRY})
            and not exists (select 1 from list_entries e where left(s.subject_key, 1) = 'p'
                             and e.status = 'active' and e.person_keys @> array[substr(s.subject_key, 2)]
                             and ${REACHED_BY_ENTRY})
         returning 1
       )
       select (select max(subject_key) from chunk) as last, (select count(*) from chunk)::int as n,
              (select count(*) from gone)::int as deleted`,
      [after, CHUNK],
    );
    const r = rows[0];
    if (!r?.last) break;
    scanned += r.n;
    pruned += r.deleted;
    after = r.last;
    if (r.n < CHUNK) break;
  }
  return { scanned, pruned };
}

const ADD_CHUNK = 20_000;

/**
 * The other direction, for writes that bypassed the triggers (a table restored from a dump without its triggers, a
 * logical-replication subscriber, which fires no triggers by default): the subjects the orders of every entry in
 * force reach (measure_sets' reach columns and entry_subject_keys, migration 20261206300000: what the orders'
 * trigger adds) are put in subjects_in_force if missing, in keyset chunks of ADD_CHUNK entries, so each statement is
 * short. Linear in the entries, so daily, not per reload: such a write is caught within a day plus one reload
 * (docs/operations.md).
 */
export async function addMissingSubjects(db: Db): Promise<JobCounts> {
  let added = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.raw<{ rows: { last: string | null; added: number }[] }>(
      `with chunk as (
         select id from list_entries where id > ? and status = 'active' order by id limit ?
       ), reach as (
         select o.entry_id, bool_or(s.restricts_enterprise) as enterprise, bit_or(s.reach_roles) as roles
           from chunk c join orders o on o.entry_id = c.id join measure_sets s on s.id = o.measure_set_id
          group by o.entry_id
       ), put as (
         insert into subjects_in_force (subject_key, h)
           select distinct k, (('x' || substr(md5(k), 1, 13))::bit(52)::bigint)::float8
             from reach p, entry_subject_keys(p.entry_id, p.enterprise, p.roles) k
           on conflict (subject_key) do nothing
         returning 1
       )
       select (select id::text from chunk order by id desc limit 1) as last, (select count(*) from put)::int as added`,
      [after, ADD_CHUNK],
    );
    const r = rows[0];
    if (!r?.last) break;
    added += r.added;
    after = r.last;
  }
  return { added };
}
