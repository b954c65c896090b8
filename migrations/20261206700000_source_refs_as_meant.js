// @ts-check
/**
 * A sourceRef is now read as meant (src/lists/entry-input.ts sourceRefAsMeant: NFKC, then trimmed) before it is
 * stored or looked up. Entries stored before kept the spaces and full-width characters they were sent with, and a
 * resubmission of them would now look up the cleaned key and miss them: each is given its key as meant here, so
 * idempotency holds across the change.
 *
 * Where the cleaned key is already taken, the row stays as it was: it is the second listing of one record that the
 * old comparison let through (" REF-1" beside "REF-1"), with its orders issued twice. Renaming it would break the
 * unique key, and which of the two to revoke is the authority's decision; of several such rows with one cleaned key,
 * the first stored is renamed. Reads every entry once: a one-off sequential scan.
 * @param {import('knex').Knex} knex
 */
const MEANT = `regexp_replace(normalize(source_ref, NFKC), '^[[:space:]\\uFEFF]+|[[:space:]\\uFEFF]+$', '', 'g')`;

exports.up = async function up(knex) {
  await knex.raw(`
    with meant as (
      select id, authority, ${MEANT} as ref, created_at from list_entries
       where source_ref <> ${MEANT}),
    first as (
      select id, ref, row_number() over (partition by authority, ref order by created_at, id) as n
        from meant m
       where ref <> ''
         and not exists (select 1 from list_entries o where o.authority = m.authority and o.source_ref = m.ref))
    update list_entries e set source_ref = f.ref
      from first f
     where e.id = f.id and f.n = 1`);
};

/** The cleaned keys name the same records; the spaces they were sent with are not kept to restore. */
exports.down = async function down() {};
