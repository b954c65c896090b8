// @ts-check
/**
 * A correction (更正) of a field a check answer quoted as its ground (the decision's number or date, the subject's
 * name, the last day) is noted on each hit record that relied on the entry, append-only, and its desk told
 * (`decision.ground_corrected`). Before, a desk heard of a correction only when it took the ground away
 * (`decision.basis_corrected`): a corrected decision number left its file citing a decision that does not exist.
 * The wider type check is added NOT VALID and validated after (see 20261206500000), outside a transaction.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.transaction(async (trx) => {
    await trx.schema.createTable('check_decision_ground_corrections', (t) => {
      t.comment('Append-only: a correction changed what a decision record quoted of an entry it relied on');
      t.uuid('decision_id').notNullable().references('check_decisions.id');
      t.uuid('entry_id').notNullable().references('list_entries.id');
      t.timestamp('corrected_at', { useTz: true }).notNullable();
      t.text('reason').notNullable();
      t.text('decision_no');
      t.specificType('fields', 'text[]').notNullable().comment('the corrected fields the answer quoted, by API name');
      t.primary(['decision_id', 'entry_id', 'corrected_at']);
    });
    await trx.raw(`
      create function ground_corrections_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'check_decision_ground_corrections is append-only';
      end $$;
      create trigger ground_corrections_no_update_delete before update or delete on check_decision_ground_corrections
        for each row execute function ground_corrections_append_only();
      create trigger ground_corrections_no_truncate before truncate on check_decision_ground_corrections
        for each statement execute function ground_corrections_append_only();
    `);
  });
  await knex.raw(`
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'order.entry_corrected',
       'decision.basis_revoked', 'decision.basis_corrected', 'decision.ground_corrected'))
      not valid;
  `);
  await knex.raw('alter table webhook_outbox validate constraint webhook_outbox_type_check');
};

exports.config = { transaction: false };

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    delete from webhook_outbox where type = 'decision.ground_corrected';
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'order.entry_corrected',
       'decision.basis_revoked', 'decision.basis_corrected'));
    drop table check_decision_ground_corrections;
    drop function ground_corrections_append_only();
  `);
};
