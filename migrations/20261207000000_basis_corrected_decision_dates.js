// @ts-check
/**
 * A corrected decision date can take the ground from under a desk's decision too: a listing decided on 2026-03-20,
 * typed as 2026-02-10, was answered as in force to a check on 2026-03-02, before its decision existed. The mark of
 * such a record (check_decision_basis_corrections) carries the corrected date; null when the correction left the date.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('check_decision_basis_corrections', (t) => {
    t.date('decided_at').comment('the decision date as corrected, when the correction changed it');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('check_decision_basis_corrections', (t) => {
    t.dropColumn('decided_at');
  });
};
