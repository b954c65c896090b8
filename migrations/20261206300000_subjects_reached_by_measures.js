// @ts-check
/**
 * Issue 23: the subject index holds the subjects a measure in force reaches, not every person an entry names.
 * Migration 20261206200000 kept subjects_in_force from list_entries (u||USCC, p||each person key of an entry in
 * force), because the orders, which say whom the measures reach, are written after the entry. That over-reported the
 * persons no measure reaches: every legal representative of an enterprise on the abnormal-operations list (the 2045号
 * measures on it reach the enterprise only), 16,641 subjects instead of 12,890 for 9,942 generated entries. Each such
 * person's check went to PostgreSQL for nothing, and the table cost 88 B an entry more.
 *
 * Now the trigger is on orders, where the measures are known: each measure set's reach (two stored columns) and
 * `entry_subject_keys` give the keys an entry's orders reach, by the rule of src/restrictions/reach.ts and the views
 * `restrictions` and `officer_bans`: an enterprise (u||USCC) when a measure (kind `measure`) reaches `subject`; a person (p||key) when
 * any measure or ban reaches their role (a person debtor is `subject` among the entry's persons). The job that adds
 * subjects written past the triggers (src/jobs/prune-subjects.ts) and the runbook use the same two.
 *
 * Up drops the over-reported rows: the subjects in force are recomputed from the orders of the entries in force, in
 * chunks of entries, and what is not among them leaves. Down puts the list_entries trigger back (the over-report
 * comes back with the next writes and the daily job).
 * @param {import('knex').Knex} knex
 */

const HASH = (k) => `(('x' || substr(md5(${k}), 1, 13))::bit(52)::bigint)::float8`;

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

/**
 * The reach rule in SQL, in parts every caller joins the same way (per entry: OR over its orders' sets, then its
 * keys), so a batch chunk (~1,000 entries, ~10,000 orders) costs one grouping of its orders and one probe per entry:
 *  - `reach_bit(role)`: a role as a bit, in the order of the rule schema's `reach` values
 *    (rules/schema/memorandum.schema.json); a value it does not know yet is bit 62, so a person in an unknown role is
 *    kept when a set reaches an unknown role (over-reported, never missed). One expression, so PostgreSQL inlines it
 *    (a function call per person was half the trigger's time);
 *  - `measure_sets.restricts_enterprise` (a measure, kind `measure`, reaches `subject`) and
 *    `measure_sets.reach_roles` (the roles any of its measures or bans reach; a person debtor is `subject` among the
 *    persons): stored generated columns, computed once when a set is written (sets never change). Expanding the
 *    sets' JSON on every statement cost ~20 ms a chunk: 0.4 ms a set, unanalysed;
 *  - `entry_subject_keys(entry, enterprise, roles)`: the keys of an entry in force that these reach.
 */
const REACH_RULE = `
  create function reach_bit(reach text) returns bigint language sql immutable parallel safe as $$
    select 1::bigint << coalesce(array_position(
      array['subject', 'legal_representative', 'principal', 'actual_controller', 'directly_responsible'], reach) - 1, 62)
  $$;
  create function measures_restrict_enterprise(measures jsonb) returns boolean language sql immutable as $$
    select coalesce(bool_or(m->>'kind' = 'measure' and m->'reach' @> '["subject"]'), false)
      from jsonb_array_elements(measures) m
  $$;
  create function measures_reach_roles(measures jsonb) returns bigint language sql immutable as $$
    select coalesce(bit_or(reach_bit(r)), 0)
      from jsonb_array_elements(measures) m cross join lateral jsonb_array_elements_text(m->'reach') r
  $$;
  alter table measure_sets
    add column restricts_enterprise boolean not null
      generated always as (measures_restrict_enterprise(measures)) stored,
    add column reach_roles bigint not null generated always as (measures_reach_roles(measures)) stored;
  comment on column measure_sets.restricts_enterprise is 'a measure (kind measure) of the set reaches the enterprise subject';
  comment on column measure_sets.reach_roles is 'the roles its measures and bans reach, as reach_bit bits';
  create function entry_subject_keys(entry_id uuid, enterprise boolean, roles bigint) returns setof text
  language sql stable as $$
    select k.key
      from list_entries e
      cross join lateral (
        select 'u' || e.uscc where enterprise and e.subject_kind = 'enterprise'
        union all
        select 'p' || (x->>'personKey') from jsonb_array_elements(coalesce(e.persons, '[]')) x
         where reach_bit(x->>'role') & roles <> 0
      ) k(key)
     where e.id = entry_id and e.status = 'active'
  $$;
  comment on function entry_subject_keys(uuid, boolean, bigint) is
    'subject-index keys (u||USCC, p||person key) of an entry in force that sets with these reach (measure_sets) reach'`;

/** The keys that `orders` (a relation with entry_id and measure_set_id) reach, one row each: every caller's join. */
const keysReachedBy = (orders) => `
  select distinct k.key
    from (select o.entry_id, bool_or(s.restricts_enterprise) as enterprise, bit_or(s.reach_roles) as roles
            from ${orders} join measure_sets s on s.id = o.measure_set_id
           group by o.entry_id) p
    cross join lateral entry_subject_keys(p.entry_id, p.enterprise, p.roles) k(key)`;

/** Entries in force per statement of the recomputation: ~10 orders each, ~200,000 orders grouped a statement. */
const CHUNK = 20_000;

/** @param {import('knex').Knex} knex */
exports.up = async (knex) => {
  await knex.raw(`
    ${REACH_RULE};
    drop trigger list_entries_subjects_insert on list_entries;
    ${trackSubjectsFunction(`
      -- sorted, so concurrent writers lock shared subjects in one order
      select array_agg(s.key order by s.key) into keys from (${keysReachedBy('new_rows o')}) s;`)};
    create trigger orders_subjects_insert after insert on orders
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    create temporary table reached (subject_key text primary key);
  `);
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const { rows } = await knex.raw(
      `with chunk as (select id from list_entries where id > ? and status = 'active' order by id limit ?),
            put as (insert into reached ${keysReachedBy('chunk c join orders o on o.entry_id = c.id')}
                      on conflict do nothing)
       select max(id::text) as last from chunk`,
      [after, CHUNK],
    );
    if (!rows[0]?.last) break;
    after = rows[0].last;
  }
  await knex.raw(`
    delete from subjects_in_force s where not exists (select 1 from reached r where r.subject_key = s.subject_key);
    drop table reached;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async (knex) => {
  await knex.raw(`
    drop trigger orders_subjects_insert on orders;
    ${trackSubjectsFunction(`
      -- an entry in force names its subjects; sorted, so concurrent writers lock shared subjects in one order
      select array_agg(distinct s.k order by s.k) into keys from (
        select 'u' || uscc as k from new_rows where status = 'active' and uscc is not null
        union all
        select 'p' || pk from new_rows, unnest(person_keys) pk where status = 'active') s;`)};
    create trigger list_entries_subjects_insert after insert on list_entries
      referencing new table as new_rows for each statement execute function track_subjects_in_force();
    drop function entry_subject_keys(uuid, boolean, bigint);
    alter table measure_sets drop column restricts_enterprise, drop column reach_roles;
    drop function measures_restrict_enterprise(jsonb);
    drop function measures_reach_roles(jsonb);
    drop function reach_bit(text);
  `);
};
