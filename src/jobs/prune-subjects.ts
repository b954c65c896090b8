import type { Db } from '../db/knex';
import type { JobCounts } from './job-runner';

const CHUNK = 5_000;

/**
 * Subjects with nothing in force any more leave subjects_in_force (migration 20261205500000), so the subject index
 * stops over-reporting them after its next reload. Race-free against a writer that makes the subject active again
 * at the same moment: the writer's trigger upserts the row (touched_at = its now() when older than an hour, else only
 * a row lock), and only rows untouched for a day are deleted. If the writer got there first, the delete waits for its
 * lock and re-checks `touched_at` on the new row version (not deleted); if the delete got there first, the writer's
 * upsert inserts the row again. Keyset chunks: each statement is short, whatever the table's size.
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
            and not exists (select 1 from restrictions r where left(s.subject_key, 1) = 'u'
                             and r.status = 'active' and r.uscc = substr(s.subject_key, 2))
            and not exists (select 1 from restrictions r where left(s.subject_key, 1) = 'p'
                             and r.status = 'active' and r.person_key = substr(s.subject_key, 2))
            and not exists (select 1 from officer_bans b where left(s.subject_key, 1) = 'p'
                             and b.status = 'active' and b.person_key = substr(s.subject_key, 2))
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

const ADD_CHUNK = 50_000;

/**
 * The other direction, for writes that bypassed the triggers (a table restored from a dump without its triggers, a
 * logical-replication subscriber, which fires no triggers by default): every active restriction and ban's subject is
 * put in subjects_in_force if missing, in id ranges of ADD_CHUNK rows, so each statement is short. Linear in the
 * rows, so daily, not per reload: such a write is caught within a day plus one reload (docs/operations.md).
 */
export async function addMissingSubjects(db: Db): Promise<JobCounts> {
  let added = 0;
  for (const table of ['restrictions', 'officer_bans'] as const) {
    const { rows } = await db.raw<{ rows: { max: string | null }[] }>(`select max(id)::text as max from ${table}`);
    const max = Number(rows[0]?.max ?? 0);
    const keys =
      table === 'restrictions'
        ? `select 'u' || uscc as k from restrictions where id > :lo and id <= :hi and status = 'active' and uscc is not null
           union select 'p' || person_key from restrictions where id > :lo and id <= :hi and status = 'active' and person_key is not null`
        : `select 'p' || person_key as k from officer_bans where id > :lo and id <= :hi and status = 'active'`;
    for (let lo = 0; lo < max; lo += ADD_CHUNK) {
      const res = await db.raw<{ rowCount: number }>(
        `insert into subjects_in_force (subject_key, h)
           select k, (('x' || substr(md5(k), 1, 13))::bit(52)::bigint)::float8 from (${keys}) s
           on conflict (subject_key) do nothing`,
        { lo, hi: lo + ADD_CHUNK },
      );
      added += res.rowCount ?? 0;
    }
  }
  return { added };
}
