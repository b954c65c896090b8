// @ts-check
/**
 * Issue 23, bytes and rows per entry (ADR 0012): restrictions and officer bans are no longer stored row by row. Each
 * was a copy of what its order and its entry already say: the order names its measure set (each measure's code,
 * kind and reach) and each measure's `until`; the entry names its subject and persons (list_entries.persons, each
 * person's role and keyed hash) and whether it is in force. A person debtor wrote ~27 restriction and ~4 ban rows
 * with five indexes each (3.9 KB an entry, a third of the database); checks now derive them from the entry and its
 * orders (src/checks/check-store.ts), exactly as the planner made them (src/rules/outcome-planner.ts).
 *
 * What stays readable by SQL: `restrictions` and `officer_bans` become views with the columns the tables had (less
 * the row id), for supervisors' queries and the runbook. What an ended entry's rows kept, the moment they were lifted,
 * is the new list_entries.ended_at: set once, when the entry first leaves `active` (a later revocation of a removed
 * entry keeps it, as the rows kept their lifted_at).
 *
 * The subject index's table is kept by a trigger on list_entries instead (an entry in force names its subjects:
 * u||uscc of an enterprise, p||each person key); it may over-report a person no measure reaches, as the index may.
 *
 * Up checks that the views give back every stored row, no more and no fewer; if not (an entry stored before the
 * persons column, whose persons' roles are not known), it stops rather than drop what the rows say. Down rebuilds the
 * tables from the views.
 * @param {import('knex').Knex} knex
 */

const HASH = (k) => `(('x' || substr(md5(${k}), 1, 13))::bit(52)::bigint)::float8`;

const RESTRICTION_COLUMNS = `entry_id, order_id, measure_set_id, subject_kind, uscc, person_key, measure_code,
  department, list_type, until, status, lifted_at`;
const BAN_COLUMNS = `entry_id, order_id, measure_set_id, person_key, person_masked, reached_as, code, list_type,
  enterprise_uscc, until, status, lifted_at`;

/** Each measure of each order, with its place in the set (for measure_untils) and each subject it reaches. */
const MEASURES_OF_ORDERS = `
  from orders o
  join list_entries e on e.id = o.entry_id
  join measure_sets ms on ms.id = o.measure_set_id
  cross join lateral jsonb_array_elements(ms.measures) with ordinality as m(measure, i)
  cross join lateral jsonb_array_elements_text(m.measure->'reach') as r(reach)`;
const IN_FORCE = `case when e.status = 'active' then 'active' else 'lifted' end as status,
  case when e.status = 'active' then null else e.ended_at end as lifted_at`;

const views = (restrictions, bans) => `
  create view ${restrictions} as
  select o.entry_id, o.id as order_id, o.measure_set_id,
         case when t.uscc is null then 'person' else 'enterprise' end as subject_kind, t.uscc, t.person_key,
         m.measure->>'code' as measure_code, o.department, e.list_type, o.measure_untils[m.i] as until, ${IN_FORCE}
    ${MEASURES_OF_ORDERS}
    cross join lateral (
      select e.uscc, null::text as person_key where r.reach = 'subject' and e.subject_kind = 'enterprise'
      union all
      select null, p->>'personKey' from jsonb_array_elements(coalesce(e.persons, '[]')) p where p->>'role' = r.reach
    ) t
   where m.measure->>'kind' = 'measure';
  comment on view ${restrictions} is
    'Measures on an enterprise or person, one row per measure and subject: derived from orders, their measure sets and entries';
  create view ${bans} as
  select o.entry_id, o.id as order_id, o.measure_set_id, p->>'personKey' as person_key, p->>'masked' as person_masked,
         r.reach as reached_as, m.measure->>'code' as code, e.list_type,
         case when e.subject_kind = 'enterprise' then e.uscc end as enterprise_uscc,
         o.measure_untils[m.i] as until, ${IN_FORCE}
    ${MEASURES_OF_ORDERS}
    cross join lateral jsonb_array_elements(coalesce(e.persons, '[]')) p
   where m.measure->>'kind' <> 'measure' and p->>'role' = r.reach;
  comment on view ${bans} is
    'Bans on a person holding an office, one row per ban and person: derived from orders, their measure sets and entries'`;

/**
 * The subject index's trigger function of migration 20261205500000 around the statement that finds the keys a write
 * made active (`selectKeys`, `select … into keys`): upsert them, then NOTIFY in parts. Copied, not imported: a
 * migration keeps what it did however later ones change.
 */
const trackSubjectsFunction = (selectKeys) => `
    create or replace function track_subjects_in_force() returns trigger language plpgsql as $$
    declare
      keys text[];
      part text := '';
      k text;
    begin
      ${selectKeys}
      if keys is null then
        return null;
      end if;
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
    end $$`;

exports.up = async (knex) => {
  await knex.raw(`
    alter table list_entries add column ended_at timestamptz;
    comment on column list_entries.ended_at is
      'when the entry left active (removed, restored, expired, revoked): its restrictions and bans lifted then';
    update list_entries e set ended_at = coalesce(
        (select max(lifted_at) from restrictions r where r.entry_id = e.id),
        (select max(lifted_at) from officer_bans b where b.entry_id = e.id),
        (select max(coalesce(o.lifted_at, o.revoked_at)) from orders o where o.entry_id = e.id),
        e.updated_at)
     where e.status <> 'active';
    ${views('derived_restrictions', 'derived_bans')};
  `);
  const differing = await knex.raw(`
    select (select count(*) from (select ${RESTRICTION_COLUMNS} from restrictions
                                  except all select ${RESTRICTION_COLUMNS} from derived_restrictions) a)
         + (select count(*) from (select ${RESTRICTION_COLUMNS} from derived_restrictions
                                  except all select ${RESTRICTION_COLUMNS} from restrictions) b)
         + (select count(*) from (select ${BAN_COLUMNS} from officer_bans
                                  except all select ${BAN_COLUMNS} from derived_bans) c)
         + (select count(*) from (select ${BAN_COLUMNS} from derived_bans
                                  except all select ${BAN_COLUMNS} from officer_bans) d) as n`);
  const n = Number(differing.rows[0].n);
  if (n > 0)
    throw new Error(
      `${n} restriction or ban rows differ from what their orders and entries say: not replaced (see migration 20261206200000)`,
    );
  await knex.raw(`
    drop table restrictions;
    drop table officer_bans;
    alter view derived_restrictions rename to restrictions;
    alter view derived_bans rename to officer_bans;
    ${trackSubjectsFunction(`
      -- an entry in force names its subjects; sorted, so concurrent writers lock shared subjects in one order
      select array_agg(distinct s.k order by s.k) into keys from (
        select 'u' || uscc as k from new_rows where status = 'active' and uscc is not null
        union all
        select 'p' || pk from new_rows, unnest(person_keys) pk where status = 'active') s;`)};
    create trigger list_entries_subjects_insert after insert on list_entries
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    insert into subjects_in_force (subject_key, h)
      select k, ${HASH('k')} from (
        select 'u' || uscc as k from list_entries where status = 'active' and uscc is not null
        union
        select 'p' || pk from list_entries, unnest(person_keys) pk where status = 'active') s
      on conflict (subject_key) do nothing;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async (knex) => {
  await knex.raw(`
    drop trigger list_entries_subjects_insert on list_entries;
    alter view restrictions rename to derived_restrictions;
    alter view officer_bans rename to derived_bans;
    create table restrictions (
      id bigserial primary key,
      entry_id uuid not null constraint restrictions_entry_id_foreign references list_entries (id),
      order_id uuid not null constraint restrictions_order_id_foreign references orders (id),
      subject_kind text not null,
      uscc text,
      person_key text,
      measure_code text not null,
      department text not null,
      list_type text not null,
      until date,
      status text not null default 'active',
      lifted_at timestamptz,
      measure_set_id integer not null
    );
    create table officer_bans (
      id bigserial primary key,
      entry_id uuid not null constraint officer_bans_entry_id_foreign references list_entries (id),
      order_id uuid not null constraint officer_bans_order_id_foreign references orders (id),
      person_key text not null,
      person_masked text not null,
      reached_as text not null,
      code text not null,
      list_type text not null,
      enterprise_uscc text,
      until date,
      status text not null default 'active',
      lifted_at timestamptz,
      measure_set_id integer not null
    );
    insert into restrictions (${RESTRICTION_COLUMNS})
      select ${RESTRICTION_COLUMNS} from derived_restrictions order by entry_id, order_id;
    insert into officer_bans (${BAN_COLUMNS}) select ${BAN_COLUMNS} from derived_bans order by entry_id, order_id;
    drop view derived_restrictions;
    drop view derived_bans;
    create index restrictions_entry_id_index on restrictions (entry_id);
    create index restrictions_uscc_active_idx on restrictions (uscc) where status = 'active' and uscc is not null;
    create index restrictions_person_active_idx on restrictions (person_key)
      where status = 'active' and person_key is not null;
    create index restrictions_uscc_history_idx on restrictions (uscc) where uscc is not null;
    create index restrictions_person_history_idx on restrictions (person_key) where person_key is not null;
    create index officer_bans_entry_id_index on officer_bans (entry_id);
    create index officer_bans_person_active_idx on officer_bans (person_key) where status = 'active';
    create index officer_bans_person_history_idx on officer_bans (person_key);
    comment on column restrictions.measure_set_id is 'its order''s measure set: name, scenarios, basis of measure_code';
    comment on column officer_bans.measure_set_id is 'its order''s measure set: reason, roles, basis of code';
    ${trackSubjectsFunction(`
      if TG_TABLE_NAME = 'restrictions' then
        select array_agg(distinct s.k order by s.k) into keys from (
          select 'u' || uscc as k from new_rows where status = 'active' and uscc is not null
          union all
          select 'p' || person_key from new_rows where status = 'active' and person_key is not null) s;
      else
        select array_agg(distinct 'p' || person_key order by 'p' || person_key) into keys
          from new_rows where status = 'active';
      end if;`)};
    create trigger restrictions_subjects_insert after insert on restrictions
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    create trigger restrictions_subjects_update after update on restrictions
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    create trigger officer_bans_subjects_insert after insert on officer_bans
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    create trigger officer_bans_subjects_update after update on officer_bans
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    alter table list_entries drop column ended_at;
  `);
};
