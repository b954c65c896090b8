// @ts-check
/**
 * Time and delivery: scheduled-job runs, escalations of overdue orders, the abnormal-operations 3-year proposals,
 * department webhooks with their transactional outbox and delivery log, and the per-person list on entries that
 * lets the daily consistency check re-run the rules on a stored entry.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('list_entries', (t) => {
    t.jsonb('persons')
      .nullable()
      .comment(
        'persons as the rules see them: [{role: subject|legal_representative|principal|…, personKey, masked, name}]; null on rows stored before this column existed',
      );
  });

  await knex.schema.createTable('job_runs', (t) => {
    t.comment('One row per run of a scheduled job by the instance that held its advisory lock');
    t.bigIncrements('id');
    t.text('name').notNullable().comment('job name, e.g. expire-entries');
    t.timestamp('started_at', { useTz: true }).notNullable().comment('by the service clock');
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.text('outcome').notNullable().comment('running | succeeded | failed | abandoned (the process died mid-run)');
    t.jsonb('counts').notNullable().defaultTo('{}').comment('what the run did, e.g. {"expired": 3}');
    t.text('error').nullable();
    t.integer('duration_ms').nullable().comment('wall-clock duration measured by the process');
    t.text('instance').notNullable().comment('host and pid of the process that ran it');
    t.index(['name', 'started_at'], 'job_runs_name_started_idx');
    t.check("outcome in ('running', 'succeeded', 'failed', 'abandoned')");
  });

  await knex.schema.createTable('escalations', (t) => {
    t.comment('An overdue order reported to the supervising department(s), once per order and level');
    t.bigIncrements('id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.integer('level')
      .notNullable()
      .comment('1 = past due; 2 = still without feedback the configured working days after that');
    t.text('department').notNullable().comment('the department that owes the feedback');
    t.specificType('supervisors', 'text[]').notNullable().comment('supervising departments told');
    t.timestamp('due_at', { useTz: true }).notNullable().comment('the order due date that was missed');
    t.timestamp('escalated_at', { useTz: true }).notNullable();
    t.unique(['order_id', 'level']);
  });

  await knex.schema.createTable('serious_violation_proposals', (t) => {
    t.comment(
      '企业信息公示暂行条例 (2014) Art. 17 / 总局令第83号 Art. 5(1), 8: enterprises on 经营异常名录 for 3 years without remedy, the 60-day reminder and the proposal to list them as serious violators',
    );
    t.bigIncrements('id');
    t.uuid('entry_id').notNullable().references('list_entries.id').comment('the abnormal_operations entry');
    t.text('stage').notNullable().comment('reminder (60 days before the 3-year mark) | proposal (at the mark)');
    t.text('uscc').nullable();
    t.text('subject_name').notNullable();
    t.date('listed_on').notNullable().comment('decided_at of the abnormal_operations entry');
    t.date('three_years_on').notNullable().comment('the day the 3 years are complete (listed_on + 3 years)');
    t.jsonb('basis').notNullable().comment('[{document, article}] in force on three_years_on');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['entry_id', 'stage']);
    t.check("stage in ('reminder', 'proposal')");
  });

  await knex.schema.createTable('webhooks', (t) => {
    t.comment('Where a department receives order events; the secret signs each delivery and is never returned');
    t.text('department').primary().comment('department code');
    t.text('url').notNullable();
    t.text('secret_sealed')
      .notNullable()
      .comment('the signing secret, AES-256-GCM sealed with the service webhook key (iv.tag.ciphertext, base64url)');
    t.text('updated_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('webhook_outbox', (t) => {
    t.comment(
      'Order events for one department, written in the transaction of the change, delivered at least once, in order per department',
    );
    t.uuid('id').primary().comment('event id, sent as "id" for de-duplication');
    t.bigIncrements('seq', { primaryKey: false }).comment('delivery order within a department');
    t.text('department').notNullable().comment('recipient department code');
    t.text('type').notNullable().comment('order.issued | order.lifted | order.escalated');
    t.uuid('order_id').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.jsonb('data').notNullable().comment('the event data: {order, …}');
    t.text('status').notNullable().defaultTo('pending').comment('pending | delivered');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().comment('not before (service clock)');
    t.timestamp('delivered_at', { useTz: true }).nullable();
    t.text('last_error').nullable();
    t.check("status in ('pending', 'delivered')");
    t.check("type in ('order.issued', 'order.lifted', 'order.escalated')");
  });
  await knex.raw(
    "create index webhook_outbox_pending_idx on webhook_outbox (department, seq) where status = 'pending'",
  );
  await knex.raw('create index webhook_outbox_order_idx on webhook_outbox (order_id)');

  await knex.schema.createTable('webhook_delivery_attempts', (t) => {
    t.comment('The delivery log: every POST of an outbox event, with its result');
    t.bigIncrements('id');
    t.uuid('event_id').notNullable().references('webhook_outbox.id');
    t.integer('attempt').notNullable();
    t.text('url').notNullable();
    t.timestamp('attempted_at', { useTz: true }).notNullable();
    t.integer('status_code').nullable().comment('HTTP status; null when no response came');
    t.text('error').nullable();
    t.integer('duration_ms').notNullable();
    t.index(['event_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'webhook_delivery_attempts',
    'webhook_outbox',
    'webhooks',
    'serious_violation_proposals',
    'escalations',
    'job_runs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('list_entries', (t) => {
    t.dropColumn('persons');
  });
};
