// @ts-check
/**
 * Issue 23: the subject trigger (migration 20261206300000) cut its NOTIFY payloads by appending one key at a time to
 * a string and measuring it with `length()` before each append. Both are linear in the string, so a chunk's keys cost
 * O(keys × 7,000 bytes): ~3.7% of PostgreSQL's CPU samples in a batch import (docs/benchmarks.md). Here the parts
 * are cut in one statement: each key's running byte count (`octet_length`, what the 8,000-byte payload limit counts)
 * over the sorted keys decides its part, and each part is one `string_agg`. The payloads are as before (keys joined by
 * ',', none over 7,000 bytes, '*' over 50,000 keys; a few more of them, as parts are cut at fixed offsets instead of
 * filled); the listener (src/checks/subject-index.ts) is unchanged.
 * @param {import('knex').Knex} knex
 */

const HASH = (k) => `(('x' || substr(md5(${k}), 1, 13))::bit(52)::bigint)::float8`;

/** The keys an insert of orders reaches, sorted (migration 20261206300000's `keysReachedBy('new_rows o')`). */
const SELECT_KEYS = `
      -- sorted, so concurrent writers lock shared subjects in one order
      select array_agg(s.key order by s.key) into keys from (
        select distinct k.key
          from (select o.entry_id, bool_or(s.restricts_enterprise) as enterprise, bit_or(s.reach_roles) as roles
                  from new_rows o join measure_sets s on s.id = o.measure_set_id
                 group by o.entry_id) p
          cross join lateral entry_subject_keys(p.entry_id, p.enterprise, p.roles) k(key)) s;`;

/**
 * The trigger function around its NOTIFY step (`declare` adds to the variables): the keys an insert of orders reaches,
 * upserted, then announced. Copied, not imported: a migration keeps what it did however later ones change.
 */
const trackSubjectsFunction = ({ declare = '', notify }) => `
    create or replace function track_subjects_in_force() returns trigger language plpgsql as $$
    declare
      keys text[];
      ${declare}
    begin
      ${SELECT_KEYS}
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
      ${notify}
      return null;
    end $$`;

/** @param {import('knex').Knex} knex */
exports.up = async (knex) => {
  await knex.raw(
    trackSubjectsFunction({
      // part n holds the keys whose bytes so far (a comma each) end in the n-th 6,900; its first key may begin in
      // the part before, so a payload is at most 6,900 bytes and one key: under 7,000, keys being 'u' and an
      // 18-character USCC or 'p' and a 64-character person key (NOTIFY takes up to 8,000)
      notify: `
      perform pg_notify('subjects_in_force', string_agg(k, ',' order by i))
         from (select k, i, (sum(octet_length(k) + 1) over (order by i) - 1) / 6900 as part
                 from unnest(keys) with ordinality as t(k, i)) parts
        group by part;`,
    }),
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async (knex) => {
  await knex.raw(
    trackSubjectsFunction({
      declare: `part text := '';
      k text;`,
      notify: `
      foreach k in array keys loop
        if length(part) + length(k) > 7000 then
          perform pg_notify('subjects_in_force', part);
          part := '';
        end if;
        part := case when part = '' then k else part || ',' || k end;
      end loop;
      if part <> '' then
        perform pg_notify('subjects_in_force', part);
      end if;`,
    }),
  );
};
