// @ts-check
/**
 * Webhook delivery by department lease. A worker leases a department (a short transaction on its webhooks row,
 * FOR UPDATE SKIP LOCKED), calls the receiver with no transaction open, then records the results and renews or
 * releases the lease. Picking the departments due is one probe per department of webhook_outbox_pending_idx
 * (department, seq) WHERE status = 'pending', so it costs O(departments), whatever the queue length.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('lease_owner')
      .nullable()
      .comment('the delivery worker (host:pid:nonce) that is sending this department its events; null when none');
    t.timestamp('lease_until', { useTz: true })
      .nullable()
      .comment('the lease ends then (service clock): a worker that died is replaced after this time');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('webhooks', (t) => {
    t.dropColumn('lease_owner');
    t.dropColumn('lease_until');
  });
};
