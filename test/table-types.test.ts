import type { Tables } from 'knex/types/tables';
import { createDb, type Db } from '../src/db/knex';
import { columnsOf, type RowOf } from '../src/db/tables';
import { createTestDatabase } from './support/test-app';

/**
 * Every column of every declared table, as an object the compiler holds to exactly the record's keys (a missing or
 * an extra key does not compile); the test holds it to exactly the migrated database's columns. Together: the
 * records of src/db/tables.ts are the tables as they are.
 */
const COLUMNS: { [T in keyof Tables]: Record<keyof RowOf<T>, true> } = {
  api_tokens: {
    id: true,
    department: true,
    token_hash: true,
    label: true,
    created_by: true,
    created_at: true,
    revoked_at: true,
    expires_at: true,
    last_used_at: true,
  },
  audit_log: {
    id: true,
    occurred_at: true,
    actor: true,
    action: true,
    entity_type: true,
    entity_id: true,
    before: true,
    after: true,
    request_id: true,
    token_id: true,
  },
  check_counts: { department: true, kind: true, scenario: true, day: true, clear: true },
  check_decision_basis_corrections: {
    decision_id: true,
    entry_id: true,
    corrected_at: true,
    reason: true,
    decision_no: true,
    until: true,
    decided_at: true,
  },
  check_decision_ground_corrections: {
    decision_id: true,
    entry_id: true,
    corrected_at: true,
    reason: true,
    decision_no: true,
    fields: true,
  },
  check_decision_basis_revocations: {
    decision_id: true,
    entry_id: true,
    revoked_at: true,
    reason: true,
    decision_no: true,
  },
  check_decisions: {
    id: true,
    kind: true,
    department: true,
    uscc: true,
    person_key: true,
    person_masked: true,
    scenario: true,
    role: true,
    outcome: true,
    answer: true,
    rules_version: true,
    checked_at: true,
    feedback_action: true,
    feedback: true,
  },
  escalations: {
    id: true,
    order_id: true,
    level: true,
    department: true,
    supervisors: true,
    due_at: true,
    escalated_at: true,
  },
  job_runs: {
    id: true,
    name: true,
    started_at: true,
    finished_at: true,
    outcome: true,
    counts: true,
    error: true,
    duration_ms: true,
    instance: true,
  },
  objections: {
    id: true,
    entry_id: true,
    authority: true,
    received_at: true,
    channel: true,
    grounds: true,
    statement: true,
    evidence: true,
    status: true,
    accept_by: true,
    decide_by: true,
    basis: true,
    decision: true,
    decided_at: true,
    recorded_by: true,
    created_at: true,
  },
  restoration_applications: {
    id: true,
    entry_id: true,
    authority: true,
    received_at: true,
    channel: true,
    statement: true,
    commitment: true,
    evidence: true,
    status: true,
    eligible_from: true,
    decide_by: true,
    basis: true,
    decision: true,
    decided_at: true,
    recorded_by: true,
    created_at: true,
  },
  order_counts: { department: true, list_type: true, status: true, due_day: true, escalated: true, n: true },
  order_count_deltas: { department: true, list_type: true, status: true, due_day: true, escalated: true, n: true },
  order_week_counts: { week_start: true, department: true, list_type: true, kind: true, n: true },
  order_week_deltas: { week_start: true, department: true, list_type: true, kind: true, n: true },
  person_check_budget: { caller: true, used: true, window_ends: true },
  serious_violation_proposals: {
    id: true,
    entry_id: true,
    stage: true,
    uscc: true,
    subject_name: true,
    listed_on: true,
    three_years_on: true,
    basis: true,
    created_at: true,
  },
  service_secrets: { name: true, value: true, created_at: true },
  subjects_in_force: { subject_key: true, h: true, touched_at: true },
  webhook_delivery_attempts: {
    id: true,
    event_id: true,
    attempt: true,
    url: true,
    attempted_at: true,
    status_code: true,
    error: true,
    duration_ms: true,
  },
  webhook_outbox: {
    id: true,
    seq: true,
    department: true,
    type: true,
    order_id: true,
    occurred_at: true,
    data: true,
    status: true,
    attempts: true,
    next_attempt_at: true,
    delivered_at: true,
    last_error: true,
  },
  webhooks: {
    department: true,
    url: true,
    secret_sealed: true,
    updated_by: true,
    created_at: true,
    updated_at: true,
    lease_owner: true,
    lease_until: true,
  },
  restrictions: {
    entry_id: true,
    order_id: true,
    subject_kind: true,
    uscc: true,
    person_key: true,
    measure_code: true,
    measure_set_id: true,
    department: true,
    list_type: true,
    until: true,
    status: true,
    lifted_at: true,
  },
  measure_sets: { id: true, digest: true, measures: true, restricts_enterprise: true, reach_roles: true },
  officer_bans: {
    entry_id: true,
    order_id: true,
    person_key: true,
    person_masked: true,
    reached_as: true,
    code: true,
    measure_set_id: true,
    list_type: true,
    enterprise_uscc: true,
    until: true,
    status: true,
    lifted_at: true,
  },
  orders: {
    id: true,
    entry_id: true,
    list_type: true,
    department: true,
    status: true,
    issued_at: true,
    due_at: true,
    feedback: true,
    lifted_at: true,
    updated_at: true,
    due_at_provisional: true,
    end_ground: true,
    revoked_at: true,
    escalation_level: true,
    measure_set_id: true,
    measure_untils: true,
  },
  list_entries: {
    id: true,
    list_type: true,
    authority: true,
    source_ref: true,
    subject_kind: true,
    uscc: true,
    subject_name: true,
    person_keys: true,
    subject: true,
    related_persons: true,
    reason: true,
    decision_no: true,
    decided_at: true,
    expires_at: true,
    status: true,
    removal: true,
    rules_version: true,
    created_by: true,
    created_at: true,
    updated_at: true,
    persons: true,
    listing_ground: true,
    revocation: true,
    ended_at: true,
    name_pairs: true,
  },
};

describe('the tables as declared to knex (src/db/tables.ts)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 1 });
  }, 60_000);
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('have exactly the columns of the migrated database, table by table', async () => {
    const rows: { table_name: string; column_name: string }[] = (
      await db.raw(
        `select table_name, column_name from information_schema.columns
          where table_schema = 'public' and table_name = any(?) order by table_name, column_name`,
        [Object.keys(COLUMNS)],
      )
    ).rows;
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    const declared = Object.fromEntries(
      Object.entries(COLUMNS).map(([table, columns]) => [table, Object.keys(columns).sort()]),
    );
    expect(actual).toEqual(declared);
  });

  it('type their queries: a column the table lacks, or a row lacks, does not compile (tsc -p tsconfig.json)', async () => {
    // Each @ts-expect-error fails the type check once the line beneath it compiles.
    const refused = [
      // @ts-expect-error a column the table does not have (knex's select alone takes any string: columnsOf checks it)
      db('api_tokens').select(...columnsOf('api_tokens', 'id', 'token')),
      // @ts-expect-error a column the table does not have, as a condition
      db('api_tokens').where({ token: 'x' }),
      // @ts-expect-error a value outside the column's type
      db('job_runs').where({ id: 1 }).update({ outcome: 'done' }),
      // @ts-expect-error a column orders no longer have (the measures are in measure_sets, ADR 0009)
      db('orders').where({ measures: '[]' }),
      // @ts-expect-error a status the table does not allow
      db('list_entries').where({ id: 'x' }).update({ status: 'listed' }),
    ];
    expect(refused.map((q) => q.toSQL().sql)).toEqual([
      'select "id", "token" from "api_tokens"',
      'select * from "api_tokens" where "token" = ?',
      'update "job_runs" set "outcome" = ? where "id" = ?',
      'select * from "orders" where "measures" = ?',
      'update "list_entries" set "status" = ? where "id" = ?',
    ]);
    const token = await db('api_tokens')
      .select(...columnsOf('api_tokens', 'id', 'label'))
      .first();
    const decisions = await db('check_decisions').select(...columnsOf('check_decisions', 'id', 'outcome'));
    // @ts-expect-error a column the query did not select
    expect(token?.token_hash).toBeUndefined();
    // @ts-expect-error a column no row of the table has
    expect(decisions[0]?.answered_at).toBeUndefined();
  });
});
