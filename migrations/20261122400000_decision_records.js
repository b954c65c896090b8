// @ts-check
/**
 * Checks leave evidence (issue 11): a decision record for every hit (and for clean answers asked with record=true),
 * the desk's feedback on it, daily counters of the clean answers nobody asked to keep, and a NOTIFY on every write
 * that puts a subject under a restriction or ban, so each instance's in-process index of listed subjects stays fresh
 * whatever path wrote (API, batch, jobs, CLI import).
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('check_decisions', (t) => {
    t.comment(
      'A check answer as it left the service (查询结果留存): what was true at checked_at, kept after the entry goes',
    );
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable().comment('enterprise | person | officer');
    t.text('department').notNullable().comment('the asking department code, or "admin"');
    t.text('uscc').nullable().comment('enterprise checks');
    t.text('person_key')
      .nullable()
      .comment('keyed hash of the ID number (person and officer checks); never the number');
    t.text('person_masked').nullable();
    t.text('scenario').nullable().comment('enterprise and person checks');
    t.text('role').nullable().comment('officer checks');
    t.text('outcome').notNullable().comment('hit (restricted / not eligible) | clear');
    t.jsonb('answer').notNullable().comment('the response body exactly as answered, decisionId included');
    t.text('rules_version').notNullable();
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.text('feedback_action').nullable().comment('restricted | not_restricted: what the desk did with the hit');
    t.jsonb('feedback').nullable().comment('action, reason, caseRef, note, at, by');
    t.index(['department', 'checked_at', 'id'], 'check_decisions_department_idx');
    t.index(['checked_at', 'id'], 'check_decisions_checked_idx');
    t.check("kind in ('enterprise', 'person', 'officer')");
    t.check("outcome in ('hit', 'clear')");
    t.check("feedback_action is null or feedback_action in ('restricted', 'not_restricted')");
  });
  await knex.raw('create index check_decisions_uscc_idx on check_decisions (uscc, checked_at) where uscc is not null');

  await knex.schema.createTable('check_counts', (t) => {
    t.comment('Clean answers without a decision record, counted per department, kind, scenario or role, and China day');
    t.text('department').notNullable();
    t.text('kind').notNullable();
    t.text('scenario').notNullable().comment('scenario or role; "" when the enterprise check named none');
    t.date('day').notNullable().comment('Asia/Shanghai calendar day');
    t.bigInteger('clear').notNullable().defaultTo(0);
    t.primary(['department', 'kind', 'scenario', 'day']);
  });

  // One notification per statement, not per row: a 10,000-row bulk insert sends one '*' (reload), an API write
  // sends the few keys it added. Lifts need none: the index may over-report (a hit then reads PostgreSQL).
  await knex.raw(`
    create function notify_subjects_in_force() returns trigger language plpgsql as $$
    declare
      keys text;
    begin
      if TG_TABLE_NAME = 'restrictions' then
        select string_agg(distinct k, ',') into keys from (
          select 'u' || uscc as k from new_rows where status = 'active' and uscc is not null
          union all
          select 'p' || person_key from new_rows where status = 'active' and person_key is not null) s;
      else
        select string_agg(distinct 'p' || person_key, ',') into keys from new_rows where status = 'active';
      end if;
      if keys is not null then
        perform pg_notify('subjects_in_force', case when length(keys) > 7000 then '*' else keys end);
      end if;
      return null;
    end $$`);
  for (const table of ['restrictions', 'officer_bans']) {
    for (const event of ['insert', 'update']) {
      await knex.raw(`create trigger ${table}_notify_${event} after ${event} on ${table}
        referencing new table as new_rows for each statement execute function notify_subjects_in_force()`);
    }
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of ['restrictions', 'officer_bans']) {
    for (const event of ['insert', 'update'])
      await knex.raw(`drop trigger if exists ${table}_notify_${event} on ${table}`);
  }
  await knex.raw('drop function if exists notify_subjects_in_force()');
  await knex.schema.dropTableIfExists('check_counts');
  await knex.schema.dropTableIfExists('check_decisions');
};
