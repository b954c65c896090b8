// @ts-check
/**
 * The listing ground an entry was listed under, stored with it: the daily consistency check re-runs every rule with
 * the facts it was first run with, and a rule conditioned on the ground (e.g. a measure for evading enforcement
 * only) reads the same ground years later. Rows stored before this column have no ground (null), as they had none
 * to the rules then either: the column did not exist, so the ground was not kept.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('list_entries', (t) => {
    t.text('listing_ground')
      .nullable()
      .comment('the listing ground (catalog.json listingGrounds code) the entry was listed under; null if none named');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('list_entries', (t) => {
    t.dropColumn('listing_ground');
  });
};
