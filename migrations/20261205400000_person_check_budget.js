/**
 * Person and officer checks take an ID number and answer "is this person listed?": an oracle. Each token gets a budget
 * of them per window (PERSON_CHECK_LIMIT an hour), kept here so that every instance draws on the same one: one row
 * per caller (token id, or "admin"), the checks it made in the window that ends at window_ends.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('person_check_budget', (t) => {
    t.text('caller').primary();
    t.integer('used').notNullable();
    t.timestamp('window_ends', { useTz: true }).notNullable();
  });
  // The sweep alert's audit trail is read per caller and time: the same shape as the look-up index.
  await knex.raw(
    "create index audit_log_person_checks_idx on audit_log ((coalesce(token_id::text, actor)), occurred_at) where action = 'person.checked'",
  );
};

exports.down = async (knex) => {
  await knex.raw('drop index if exists audit_log_person_checks_idx');
  await knex.schema.dropTable('person_check_budget');
};
