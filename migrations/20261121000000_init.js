// @ts-check
/**
 * The joint-punishment loop: list entries, the restriction orders they produce, the restrictions and officer bans
 * that checks read, API tokens and the audit trail.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_secrets', (t) => {
    t.comment('Secrets the service generates for itself when configuration does not provide them');
    t.text('name').primary().comment('e.g. id_hash_key');
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.comment('Department bearer tokens; only a SHA-256 hash is stored, the token is shown once');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('department').notNullable().comment('department code from rules/departments.json');
    t.text('token_hash').notNullable().unique().comment('hex SHA-256 of the token');
    t.text('label').nullable().comment('what the token is for');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('list_entries', (t) => {
    t.comment('A subject put on a list by the list authority (发起)');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('list_type').notNullable();
    t.text('authority').notNullable().comment('department code of the list authority that created the entry');
    t.text('source_ref').notNullable().comment("the authority's own reference; idempotency key with authority");
    t.text('subject_kind').notNullable().comment('enterprise | person');
    t.text('uscc').nullable().comment('统一社会信用代码 of an enterprise subject');
    t.text('subject_name').notNullable();
    t.specificType('person_keys', 'text[]')
      .notNullable()
      .defaultTo('{}')
      .comment('keyed hashes of every person on the entry (subject and related persons), for look-up by ID number');
    t.jsonb('subject').notNullable().comment('display form of the subject, ID numbers masked');
    t.jsonb('related_persons').notNullable().defaultTo('[]').comment('display form, ID numbers masked');
    t.text('reason').notNullable();
    t.text('decision_no').notNullable();
    t.date('decided_at').notNullable();
    t.date('expires_at').nullable().comment('last day of the listing term, if any');
    t.text('status').notNullable().defaultTo('active').comment('active | removed | expired');
    t.jsonb('removal').nullable().comment('reason, decisionNo, removedAt, removedBy');
    t.text('rules_version').notNullable().comment('hash of the rule set that fired on this entry');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['authority', 'source_ref']);
    t.index(['uscc'], 'list_entries_uscc_idx');
    t.index(['list_type', 'status', 'created_at'], 'list_entries_type_status_idx');
    t.index(['created_at', 'id'], 'list_entries_created_idx');
    t.check("subject_kind in ('enterprise', 'person')");
    t.check("status in ('active', 'removed', 'expired')");
  });
  await knex.raw('create index list_entries_person_keys_idx on list_entries using gin (person_keys)');

  await knex.schema.createTable('orders', (t) => {
    t.comment('A restriction order to one implementing department (实施), and its feedback (反馈)');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.text('list_type').notNullable();
    t.text('department').notNullable();
    t.text('status').notNullable().defaultTo('issued').comment('issued | implemented | not_applicable | lifted');
    t.jsonb('measures').notNullable().comment('the measures and bans this department must apply, with their basis');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable().comment('feedback due, N working days after issue');
    t.jsonb('feedback').nullable();
    t.timestamp('lifted_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['entry_id']);
    t.index(['department', 'issued_at', 'id'], 'orders_department_idx');
    t.check("status in ('issued', 'implemented', 'not_applicable', 'lifted')");
  });
  await knex.raw("create index orders_pending_due_idx on orders (due_at) where status = 'issued'");

  await knex.schema.createTable('restrictions', (t) => {
    t.comment(
      'Measures in force on an enterprise or person, one row per measure and subject; read by checks through indexes',
    );
    t.bigIncrements('id');
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('subject_kind').notNullable();
    t.text('uscc').nullable();
    t.text('person_key').nullable();
    t.text('measure_code').notNullable();
    t.text('measure_name').notNullable();
    t.text('measure_name_en').notNullable();
    t.text('department').notNullable();
    t.text('list_type').notNullable();
    t.specificType('scenarios', 'text[]').notNullable();
    t.specificType('basis', 'text[]').notNullable();
    t.date('until').nullable().comment('last day in force; null = while listed');
    t.text('status').notNullable().defaultTo('active').comment('active | lifted');
    t.timestamp('lifted_at', { useTz: true }).nullable();
    t.index(['entry_id']);
  });
  await knex.raw(
    "create index restrictions_uscc_active_idx on restrictions (uscc) where status = 'active' and uscc is not null",
  );
  await knex.raw(
    "create index restrictions_person_active_idx on restrictions (person_key) where status = 'active' and person_key is not null",
  );

  await knex.schema.createTable('officer_bans', (t) => {
    t.comment('Bans on a person holding an office (任职资格限制); read by officer checks');
    t.bigIncrements('id');
    t.uuid('entry_id').notNullable().references('list_entries.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('person_key').notNullable();
    t.text('person_masked').notNullable();
    t.text('reached_as').notNullable().comment('subject, legal_representative, principal, …');
    t.specificType('roles', 'text[]').notNullable().comment('offices the person may not hold');
    t.text('code').notNullable();
    t.text('reason').notNullable();
    t.text('reason_en').notNullable();
    t.specificType('basis', 'text[]').notNullable();
    t.text('list_type').notNullable();
    t.text('enterprise_uscc').nullable();
    t.date('until').nullable();
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('lifted_at', { useTz: true }).nullable();
    t.index(['entry_id']);
  });
  await knex.raw("create index officer_bans_person_active_idx on officer_bans (person_key) where status = 'active'");

  await knex.schema.createTable('audit_log', (t) => {
    t.comment(
      'Every change of state: who, what, when, before and after; written in the same transaction as the change',
    );
    t.bigIncrements('id');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('actor').notNullable().comment('department code or "admin"');
    t.text('action')
      .notNullable()
      .comment('e.g. entry.created, order.issued, order.feedback, order.lifted, token.created');
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.text('request_id').nullable();
    t.index(['entity_type', 'entity_id']);
    t.index(['occurred_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'audit_log',
    'officer_bans',
    'restrictions',
    'orders',
    'list_entries',
    'api_tokens',
    'service_secrets',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
};
