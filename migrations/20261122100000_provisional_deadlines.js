// @ts-check
/**
 * Deadlines past the official holiday calendar: an order whose due date was counted on the statutory holidays alone
 * (a year without its State Council notice yet) says so, and is recomputed once the notice is added.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('orders', (t) => {
    t.boolean('due_at_provisional')
      .notNullable()
      .defaultTo(false)
      .comment(
        'due_at counted on the statutory holidays of 全国年节及纪念日放假办法 only; recomputed when the year is official',
      );
  });
  // The recompute job looks for these few rows among all orders.
  await knex.raw('create index orders_due_at_provisional_idx on orders (id) where due_at_provisional');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('due_at_provisional');
  });
};
