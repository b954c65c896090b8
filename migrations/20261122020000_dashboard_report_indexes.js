/**
 * The dashboard's weekly trend counts orders by the week they were issued and the week they were fed back; these
 * indexes keep that a range scan over the weeks asked for, not a scan of every order ever issued.
 * feedback->>'at' is an ISO-8601 UTC string (toISOString), so text order is time order.
 */
exports.up = async function up(knex) {
  await knex.raw('create index orders_issued_at_idx on orders (issued_at)');
  await knex.raw("create index orders_feedback_at_idx on orders ((feedback->>'at')) where feedback is not null");
};

exports.down = async function down(knex) {
  await knex.raw('drop index if exists orders_feedback_at_idx');
  await knex.raw('drop index if exists orders_issued_at_idx');
};
