// @ts-check
/**
 * The way back (issue 18): objections (异议), corrections (更正), revocation (撤销) and credit restoration (信用修复).
 * - list_entries: a fourth state, `revoked` (void from the start, unlike `removed`), with its revocation record.
 * - orders: a fifth state, `revoked` (the department reverses what it did), and the ground an order was lifted or
 *   revoked on; old lifted orders keep a null ground (none was recorded then).
 * - objections and restoration_applications: what a subject asked, its procedural deadlines and the decision.
 * - check_decision_basis_revocations: the append-only mark on a decision record whose entry was revoked (the record
 *   itself is never changed).
 * - webhook_outbox: order.revoked and decision.basis_revoked (the latter names a decision record, not an order).
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw(`
    alter table list_entries drop constraint if exists list_entries_status_check;
    alter table list_entries add constraint list_entries_status_check
      check (status in ('active', 'removed', 'expired', 'revoked'));
    alter table orders drop constraint if exists orders_status_check;
    alter table orders add constraint orders_status_check
      check (status in ('issued', 'implemented', 'not_applicable', 'lifted', 'revoked'));
    alter table webhook_outbox drop constraint if exists webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check
      check (type in ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'decision.basis_revoked'));
    alter table webhook_outbox alter column order_id drop not null;
  `);
  await knex.schema.alterTable('list_entries', (t) => {
    t.jsonb('revocation')
      .nullable()
      .comment('reason, decisionNo, revokedAt, revokedBy, objectionId: set once, on revocation');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.text('end_ground')
      .nullable()
      .comment('the removal ground the order was lifted on (e.g. credit_restored), or revoked');
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('objections', (t) => {
    t.comment('An objection (异议) to a list entry, recorded by the listing authority or the 信用中国 window');
    t.uuid('id').primary();
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.text('authority').notNullable().comment('the listing authority, who decides');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.text('channel').notNullable();
    t.specificType('grounds', 'text[]').notNullable();
    t.text('statement').notNullable();
    t.jsonb('evidence').notNullable().defaultTo('[]');
    t.text('status').notNullable().defaultTo('received').comment('received | not_accepted | rejected | upheld');
    t.date('accept_by').nullable().comment('from the procedure rules; null where no text sets one');
    t.date('decide_by').nullable().comment('from the procedure rules; null where no text sets one (never overdue)');
    t.jsonb('basis').notNullable().comment('the procedure and its legal bases, as applied');
    t.jsonb('decision').nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.text('recorded_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check("channel in ('authority', 'credit_china', 'other')");
    t.check("status in ('received', 'not_accepted', 'rejected', 'upheld')");
    t.index(['entry_id']);
    t.index(['authority', 'created_at', 'id']);
    t.index(['created_at', 'id']);
  });
  // The same objection recorded twice (a retried request) is one objection.
  await knex.raw(
    'create unique index objections_same_idx on objections (entry_id, received_at, channel, md5(statement))',
  );
  await knex.raw("create index objections_pending_idx on objections (entry_id) where status = 'received'");

  await knex.schema.createTable('restoration_applications', (t) => {
    t.comment(
      'An application for credit restoration (信用修复), recorded by the listing authority or the 信用中国 window',
    );
    t.uuid('id').primary();
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.text('authority').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.text('channel').notNullable();
    t.text('statement').notNullable();
    t.boolean('commitment').notNullable();
    t.jsonb('evidence').notNullable().defaultTo('[]');
    t.text('status').notNullable().defaultTo('received').comment('received | approved | refused');
    t.date('eligible_from').notNullable();
    t.date('decide_by').nullable();
    t.jsonb('basis').notNullable();
    t.jsonb('decision').nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.text('recorded_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check("channel in ('authority', 'credit_china', 'other')");
    t.check("status in ('received', 'approved', 'refused')");
    t.index(['entry_id']);
    t.index(['authority', 'created_at', 'id']);
    t.index(['created_at', 'id']);
  });
  await knex.raw(
    'create unique index restoration_applications_same_idx on restoration_applications (entry_id, received_at, channel, md5(statement))',
  );

  await knex.schema.createTable('check_decision_basis_revocations', (t) => {
    t.comment('Append-only: a decision record relied on an entry that was later revoked (the record is never changed)');
    t.uuid('decision_id').notNullable().references('check_decisions.id');
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.timestamp('revoked_at', { useTz: true }).notNullable();
    t.text('reason').notNullable();
    t.text('decision_no').notNullable();
    t.primary(['decision_id', 'entry_id']);
  });
  // A revocation finds the records that relied on the entry by subject first (uscc has its index since 20261122400000).
  await knex.raw(
    'create index check_decisions_person_key_idx on check_decisions (person_key, checked_at) where person_key is not null',
  );
  await knex.raw(`
    create function basis_revocations_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'check_decision_basis_revocations is append-only';
    end $$;
    create trigger basis_revocations_no_update_delete before update or delete on check_decision_basis_revocations
      for each row execute function basis_revocations_append_only();
    create trigger basis_revocations_no_truncate before truncate on check_decision_basis_revocations
      for each statement execute function basis_revocations_append_only();
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    drop trigger if exists basis_revocations_no_truncate on check_decision_basis_revocations;
    drop trigger if exists basis_revocations_no_update_delete on check_decision_basis_revocations;
    drop function if exists basis_revocations_append_only();
  `);
  await knex.schema.dropTableIfExists('check_decision_basis_revocations');
  await knex.raw('drop index if exists check_decisions_person_key_idx');
  await knex.schema.dropTableIfExists('restoration_applications');
  await knex.schema.dropTableIfExists('objections');
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('end_ground');
    t.dropColumn('revoked_at');
  });
  await knex.schema.alterTable('list_entries', (t) => {
    t.dropColumn('revocation');
  });
  await knex.raw(`
    alter table webhook_outbox drop constraint if exists webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check
      check (type in ('order.issued', 'order.lifted', 'order.escalated'));
    alter table orders drop constraint if exists orders_status_check;
    alter table orders add constraint orders_status_check
      check (status in ('issued', 'implemented', 'not_applicable', 'lifted'));
    alter table list_entries drop constraint if exists list_entries_status_check;
    alter table list_entries add constraint list_entries_status_check check (status in ('active', 'removed', 'expired'));
  `);
};
