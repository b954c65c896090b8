// @ts-check
/**
 * A correction that moves the terms of an entry's measures (src/lists/order-terms.ts) can take the ground from under a
 * desk's decision: an expiry corrected from 2027-01-31 back to 2026-06-30 says that a bidder excluded in October had,
 * as the record now stands, no listing in force. As a revocation does (check_decision_basis_revocations), the record
 * is not changed but marked, append-only, and its desk told: webhook_outbox takes `decision.basis_corrected`.
 * The wider type check is added NOT VALID and validated after (see 20261206500000), outside a transaction.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.transaction(async (trx) => {
    await trx.schema.createTable('check_decision_basis_corrections', (t) => {
      t.comment(
        'Append-only: a correction moved the terms of an entry a decision record relied on to end before its check',
      );
      t.uuid('decision_id').notNullable().references('check_decisions.id');
      t.uuid('entry_id').notNullable().references('list_entries.id');
      t.timestamp('corrected_at', { useTz: true }).notNullable();
      t.text('reason').notNullable();
      t.text('decision_no');
      t.jsonb('until').notNullable().comment("each relied measure's last day as corrected, by its code");
      t.primary(['decision_id', 'entry_id', 'corrected_at']);
    });
    await trx.raw(`
      create function basis_corrections_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'check_decision_basis_corrections is append-only';
      end $$;
      create trigger basis_corrections_no_update_delete before update or delete on check_decision_basis_corrections
        for each row execute function basis_corrections_append_only();
      create trigger basis_corrections_no_truncate before truncate on check_decision_basis_corrections
        for each statement execute function basis_corrections_append_only();
    `);
  });
  await knex.raw(`
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'decision.basis_revoked',
       'decision.basis_corrected'))
      not valid;
  `);
  await knex.raw('alter table webhook_outbox validate constraint webhook_outbox_type_check');
};

exports.config = { transaction: false };

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    delete from webhook_outbox where type = 'decision.basis_corrected';
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'decision.basis_revoked'));
    drop table check_decision_basis_corrections;
    drop function basis_corrections_append_only();
  `);
};
