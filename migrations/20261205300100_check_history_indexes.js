// @ts-check
/**
 * Issue 20. Checks asked `asOf` an earlier moment read a subject's rows whatever their status now (lifted since), which
 * the partial indexes on active rows do not cover: these index every row by subject. (The order list's default sort,
 * most urgent first, is served by orders_issued_department_due_idx of migration 20261205500200, issue 23.)
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw('create index restrictions_uscc_history_idx on restrictions (uscc) where uscc is not null');
  await knex.raw(
    'create index restrictions_person_history_idx on restrictions (person_key) where person_key is not null',
  );
  await knex.raw('create index officer_bans_person_history_idx on officer_bans (person_key)');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const index of [
    'officer_bans_person_history_idx',
    'restrictions_person_history_idx',
    'restrictions_uscc_history_idx',
  ])
    await knex.raw('drop index if exists ??', [index]);
};
