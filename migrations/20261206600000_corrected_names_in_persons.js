// @ts-check
/**
 * A correction of the legal representative's name (or of a person subject's name) changed the entry's `subject` and
 * `subject_name`, not its `persons`: the persons as the rules and a resubmission see them (src/lists/resubmission.ts)
 * kept the name as first listed. A resubmission of the corrected record was then refused (409, 法定代表人 differs)
 * and one of the wrong record taken for a repeat. src/lists/entry-correction.ts now corrects both; this brings the
 * entries corrected before it into line: each legal representative's name from `subject`, each person subject's from
 * `subject_name`.
 *
 * Only rows whose names disagree are written. Finding them reads every entry once (entries are updated_at-stamped by
 * every transition, so no index narrows it): a one-off sequential scan, ~seconds per million entries.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw(`
    with named as (
      select e.id,
             (select jsonb_agg(case
                       when p->>'role' = 'legal_representative' and e.subject->'legalRepresentative'->'name' is not null
                         then jsonb_set(p, '{name}', e.subject->'legalRepresentative'->'name')
                       when p->>'role' = 'subject' then jsonb_set(p, '{name}', to_jsonb(e.subject_name))
                       else p end order by i)
                from jsonb_array_elements(e.persons) with ordinality x(p, i)) as persons
        from list_entries e
       where jsonb_typeof(e.persons) = 'array' and jsonb_array_length(e.persons) > 0)
    update list_entries e set persons = n.persons
      from named n
     where e.id = n.id and e.persons is distinct from n.persons`);
};

/** Nothing to undo: the names were wrong. */
exports.down = async function down() {};
