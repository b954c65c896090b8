/**
 * `order.entry_corrected`: a correction (更正) of an entry is announced to the department of each of its orders in
 * force, naming the corrected fields. Before, only a correction that moved an order's terms told anyone
 * (`order.amended`): a corrected company name, decision number or reason changed what every department's order page
 * showed, and no department heard of it.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw(`
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'order.entry_corrected',
       'decision.basis_revoked', 'decision.basis_corrected'))
      not valid;
  `);
  await knex.raw('alter table webhook_outbox validate constraint webhook_outbox_type_check');
};

exports.config = { transaction: false };

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    delete from webhook_outbox where type = 'order.entry_corrected';
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'decision.basis_revoked',
       'decision.basis_corrected'));
  `);
};
