/**
 * The subjects with anything in force, one row per subject (not per restriction or ban row: an entry has about 15 of
 * those), kept by the writing statements themselves, so the in-process subject index (src/checks/subject-index.ts)
 * reloads one hash per subject in keyset chunks instead of aggregating every active row into one giant value.
 *
 * One statement-level trigger per table and event does two things with the keys a statement made active: it upserts
 * them here (in the same transaction) and tells listening instances by NOTIFY, in payloads of at most 7,000 bytes (a
 * 10,000-row batch sends a few dozen notifications instead of '*', so a batch no longer forces every instance into a
 * full reload; '*' is kept for statements that activate over 50,000 subjects).
 *
 * Lifts do not delete here: the index may over-report. The prune job (src/jobs/prune-subjects.ts) deletes subjects
 * with nothing in force that were not touched for a day; `touched_at` is what keeps it from racing a concurrent writer
 * (see that file). `h` is the 52-bit MD5 hash of subjectHash() in src/checks/subject-index.ts.
 */
const HASH = (k) => `(('x' || substr(md5(${k}), 1, 13))::bit(52)::bigint)::float8`;

exports.up = async (knex) => {
  await knex.raw(`
    create table subjects_in_force (
      subject_key text primary key,
      h float8 not null,
      touched_at timestamptz not null default now()
    );
    comment on table subjects_in_force is
      'Subjects (u||uscc, p||person key) with a restriction or officer ban made active; pruned by a job; read by the subject index';
    create index subjects_in_force_h_idx on subjects_in_force (h);
    insert into subjects_in_force (subject_key, h)
      select k, ${HASH('k')} from (
        select 'u' || uscc as k from restrictions where status = 'active' and uscc is not null
        union
        select 'p' || person_key from restrictions where status = 'active' and person_key is not null
        union
        select 'p' || person_key from officer_bans where status = 'active') s;
  `);
  await knex.raw(`
    create function track_subjects_in_force() returns trigger language plpgsql as $$
    declare
      keys text[];
      part text := '';
      k text;
    begin
      if TG_TABLE_NAME = 'restrictions' then
        select array_agg(distinct s.k order by s.k) into keys from (
          select 'u' || uscc as k from new_rows where status = 'active' and uscc is not null
          union all
          select 'p' || person_key from new_rows where status = 'active' and person_key is not null) s;
      else
        select array_agg(distinct 'p' || person_key order by 'p' || person_key) into keys
          from new_rows where status = 'active';
      end if;
      if keys is null then
        return null;
      end if;
      -- Sorted keys: concurrent writers lock shared subjects in the same order (no deadlock). A row touched within
      -- the hour is left as it is (locked, not rewritten): the prune job only deletes rows untouched for a day.
      insert into subjects_in_force (subject_key, h)
        select u, ${HASH('u')} from unnest(keys) as u
        on conflict (subject_key) do update set touched_at = excluded.touched_at
          where subjects_in_force.touched_at < now() - interval '1 hour';
      if cardinality(keys) > 50000 then
        perform pg_notify('subjects_in_force', '*');
        return null;
      end if;
      foreach k in array keys loop
        if length(part) + length(k) > 7000 then
          perform pg_notify('subjects_in_force', part);
          part := '';
        end if;
        part := case when part = '' then k else part || ',' || k end;
      end loop;
      if part <> '' then
        perform pg_notify('subjects_in_force', part);
      end if;
      return null;
    end $$;
  `);
  for (const table of ['restrictions', 'officer_bans']) {
    for (const event of ['insert', 'update']) {
      await knex.raw(`drop trigger if exists ${table}_notify_${event} on ${table}`);
      await knex.raw(`create trigger ${table}_subjects_${event} after ${event} on ${table}
        referencing new table as new_rows for each statement execute function track_subjects_in_force()`);
    }
  }
};

exports.down = async (knex) => {
  for (const table of ['restrictions', 'officer_bans']) {
    for (const event of ['insert', 'update']) {
      await knex.raw(`drop trigger if exists ${table}_subjects_${event} on ${table}`);
      await knex.raw(`create trigger ${table}_notify_${event} after ${event} on ${table}
        referencing new table as new_rows for each statement execute function notify_subjects_in_force()`);
    }
  }
  await knex.raw('drop function if exists track_subjects_in_force()');
  await knex.raw('drop table if exists subjects_in_force');
};
