// @ts-check
/**
 * A corrected decision or expiry date (更正) moves the terms of the measures in force on the entry's orders
 * (src/lists/order-terms.ts), and each order's department is told: webhook_outbox takes `order.amended`. The wider
 * check is added NOT VALID and validated after, so the outbox is scanned without blocking its writers and the
 * delivery worker (VALIDATE takes a SHARE UPDATE EXCLUSIVE lock; ADD a plain check, ACCESS EXCLUSIVE for the scan).
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw(`
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check check (type in
      ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'order.amended', 'decision.basis_revoked'))
      not valid;
  `);
  await knex.raw('alter table webhook_outbox validate constraint webhook_outbox_type_check');
};

// Outside a transaction: inside one, ADD's ACCESS EXCLUSIVE lock would be held through VALIDATE's scan. The first
// statement above is one implicit transaction (several statements in one query), so the check is never missing.
exports.config = { transaction: false };

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    delete from webhook_outbox where type = 'order.amended';
    alter table webhook_outbox drop constraint webhook_outbox_type_check;
    alter table webhook_outbox add constraint webhook_outbox_type_check
      check (type in ('order.issued', 'order.lifted', 'order.escalated', 'order.revoked', 'decision.basis_revoked'));
  `);
};
