/**
 * Entry search by company (or person) name, and by the authority's sourceRef.
 *
 * Names are searched by substring through an index of their character pairs (bigrams), not pg_trgm: pg_trgm is
 * installed with both the embedded PostgreSQL and the Debian server, but a cluster initialised with locale C (as the
 * embedded one is, src/db/embedded-postgres.ts) counts CJK characters as non-word characters, so
 * show_trgm('上海某某贸易有限公司') is empty and a trigram index would be scanned whole for every Chinese name. Pairs
 * of characters work in any locale, need no extension (nor the right to create one), and a two-character name such as
 * 某某 is already one pair. The query takes the pairs of what was typed (GIN, @>) and re-checks the substring.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  // lower() and regexp_replace() are immutable, so the column can be generated from them: no writer has to keep it.
  await knex.raw(`
    create function entry_name_normal(s text) returns text language sql immutable parallel safe as $$
      select regexp_replace(lower(s), '\\s+', '', 'g')
    $$`);
  await knex.raw(`
    create function entry_name_pairs(s text) returns text[] language sql immutable parallel safe as $$
      select coalesce(array_agg(distinct substr(n, i, 2)), '{}')
        from (select entry_name_normal(s) as n) x, generate_series(1, char_length(n) - 1) as i
    $$`);
  await knex.raw(
    'alter table list_entries add column name_pairs text[] generated always as (entry_name_pairs(subject_name)) stored',
  );
  await knex.raw('create index list_entries_name_pairs_idx on list_entries using gin (name_pairs)');
  // (authority, source_ref) is unique already; a search names no authority.
  await knex.raw('create index list_entries_source_ref_idx on list_entries (source_ref)');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw('drop index if exists list_entries_source_ref_idx');
  await knex.raw('alter table list_entries drop column if exists name_pairs');
  await knex.raw('drop function if exists entry_name_pairs(text)');
  await knex.raw('drop function if exists entry_name_normal(text)');
};
