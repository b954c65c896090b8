// @ts-check
/**
 * Security and privacy (issue 10):
 * - tokens expire and record when they were last used;
 * - audit rows name the token as well as the department, and look-ups by ID number are audited (and counted
 *   from there, per token, for the look-up limit);
 * - stored masks lose the sequence digits (110105********002X → 110105***********X): the old form left only the
 *   birth date to guess;
 * - audit_log becomes append-only in the database itself: UPDATE, DELETE and TRUNCATE raise, whoever runs them.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.timestamp('expires_at', { useTz: true })
      .nullable()
      .comment('the token stops working at this instant; null = never (tokens made before expiry existed)');
    t.timestamp('last_used_at', { useTz: true }).nullable().comment('last successful authentication, to the minute');
  });

  await knex.schema.alterTable('audit_log', (t) => {
    t.uuid('token_id')
      .nullable()
      .comment('the api_tokens row the actor used; null for the administrator and the system');
  });
  // The per-token look-up limit counts these rows: (who, when) for one action only.
  await knex.raw(
    "create index audit_log_person_lookups_idx on audit_log ((coalesce(token_id::text, actor)), occurred_at) where action = 'person.looked_up'",
  );

  const oldMask = String.raw`(\d{6})\*{8}\d{3}([0-9X])`;
  const newMask = String.raw`\1***********\2`;
  for (const [table, column] of [
    ['list_entries', 'subject'],
    ['list_entries', 'related_persons'],
    ['list_entries', 'persons'],
    ['audit_log', 'before'],
    ['audit_log', 'after'],
    ['webhook_outbox', 'data'],
  ]) {
    await knex.raw(`update ?? set ?? = regexp_replace(??::text, ?, ?, 'g')::jsonb where ??::text ~ ?`, [
      table,
      column,
      column,
      oldMask,
      newMask,
      column,
      oldMask,
    ]);
  }
  await knex.raw(
    `update officer_bans set person_masked = regexp_replace(person_masked, ?, ?) where person_masked ~ ?`,
    [oldMask, newMask, oldMask],
  );

  await knex.raw(`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$;
    create trigger audit_log_no_update_delete before update or delete on audit_log
      for each row execute function audit_log_append_only();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only();
    revoke update, delete, truncate on audit_log from public;
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw(`
    drop trigger if exists audit_log_no_truncate on audit_log;
    drop trigger if exists audit_log_no_update_delete on audit_log;
    drop function if exists audit_log_append_only();
  `);
  await knex.raw('drop index if exists audit_log_person_lookups_idx');
  await knex.schema.alterTable('audit_log', (t) => t.dropColumn('token_id'));
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('expires_at');
    t.dropColumn('last_used_at');
  });
};
