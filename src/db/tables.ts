import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import type { ListType } from '../rules/catalog-types';

/**
 * Every table's row as this service's pools return it (src/db/knex.ts: DATE as 'YYYY-MM-DD', BIGINT as number,
 * timestamptz as Date, jsonb parsed), declared to knex (its "Tables" typing) so that `db('table')` queries are
 * typed: selecting or reading a column that does not exist does not compile (test/unit/table-types.test.ts).
 * These are the database's shapes; each store maps them to its domain types, never to the HTTP schemas.
 *
 * What a write may give: every column of the row (those with a default optional), a timestamp also as text, a
 * jsonb column also as text (arrays must be JSON.stringify'd: pg sends a JS array as a PostgreSQL array), any
 * column also as knex.raw(...).
 */

type Writable<Row> = {
  [K in keyof Row]: Row[K] extends Date | null ? Row[K] | string | Knex.Raw : Row[K] | Knex.Raw;
};
/** `Json` marks the jsonb columns (writable as text), `Defaults` the columns a row may leave out. */
type Table<Row, Defaults extends keyof Row = never, Json extends keyof Row = never> = Knex.CompositeTableType<
  Row,
  WriteOf<Row, Defaults, Json>,
  Partial<WriteOf<Row, never, Json>>
>;
type WriteOf<Row, Defaults extends keyof Row, Json extends keyof Row> = Omit<
  JsonAsText<Writable<Row>, Json>,
  Defaults
> &
  Partial<Pick<JsonAsText<Writable<Row>, Json>, Defaults>>;
type JsonAsText<W, Json extends PropertyKey> = { [K in keyof W]: K extends Json ? W[K] | string : W[K] };

/** A declared table's row. */
export type RowOf<T extends keyof Tables> = Knex.ResolveTableType<Tables[T]>;

/**
 * A column list checked against its table: `.select(...columnsOf('api_tokens', 'id', 'label'))` types the rows as
 * those columns, and a name the table does not have does not compile. Needed because knex's select() also takes any
 * string (for aliases and qualified names), and then types the rows as any.
 */
export const columnsOf = <T extends keyof Tables, const C extends readonly (keyof RowOf<T> & string)[]>(
  _table: T,
  ...columns: C
): C => columns;

/** A jsonb value whose shape the database does not constrain; the store that reads it gives it one. */
export type JsonValue = unknown;

export interface ApiTokenRecord {
  id: string;
  department: string;
  token_hash: string;
  label: string | null;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export interface AuditLogRecord {
  id: number;
  occurred_at: Date;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: JsonValue | null;
  after: JsonValue | null;
  request_id: string | null;
  token_id: string | null;
}

export interface CheckCountRecord {
  department: string;
  kind: string;
  scenario: string;
  /** China day */
  day: string;
  clear: number;
}

export interface CheckDecisionBasisRevocationRecord {
  decision_id: string;
  entry_id: string;
  revoked_at: Date;
  reason: string;
  decision_no: string;
}

/** A correction changed what a decision record quoted of an entry it relied on (migration 20261207100000). */
export interface CheckDecisionGroundCorrectionRecord {
  decision_id: string;
  entry_id: string;
  corrected_at: Date;
  reason: string;
  decision_no: string | null;
  /** the corrected fields the answer quoted, by API name (decisionNo, decidedAt, subjectName, expiresAt) */
  fields: string[];
}

/** A correction moved the terms of an entry a decision relied on to end before the check (migration 20261206800000). */
export interface CheckDecisionBasisCorrectionRecord {
  decision_id: string;
  entry_id: string;
  corrected_at: Date;
  reason: string;
  decision_no: string | null;
  until: Record<string, string | null>;
  /** the decision date as corrected, when the correction changed it */
  decided_at: string | null;
}

export interface CheckDecisionRecord {
  id: string;
  kind: 'enterprise' | 'person' | 'officer';
  department: string;
  uscc: string | null;
  person_key: string | null;
  person_masked: string | null;
  scenario: string | null;
  role: string | null;
  outcome: 'hit' | 'clear';
  answer: JsonValue;
  rules_version: string;
  checked_at: Date;
  feedback_action: 'restricted' | 'not_restricted' | null;
  feedback: JsonValue | null;
}

export interface EscalationRecord {
  id: number;
  order_id: string;
  level: number;
  department: string;
  supervisors: string[];
  due_at: Date;
  escalated_at: Date;
}

export interface JobRunRecord {
  id: number;
  name: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: 'running' | 'succeeded' | 'failed' | 'abandoned';
  counts: Record<string, number>;
  error: string | null;
  duration_ms: number | null;
  instance: string;
}

export interface ObjectionRecord {
  id: string;
  entry_id: string;
  authority: string;
  received_at: Date;
  channel: 'authority' | 'credit_china' | 'other';
  grounds: string[];
  statement: string;
  evidence: JsonValue;
  status: 'received' | 'not_accepted' | 'rejected' | 'upheld';
  accept_by: string | null;
  decide_by: string | null;
  basis: JsonValue;
  decision: JsonValue | null;
  decided_at: Date | null;
  recorded_by: string;
  created_at: Date;
}

export interface RestorationApplicationRecord {
  id: string;
  entry_id: string;
  authority: string;
  received_at: Date;
  channel: 'authority' | 'credit_china' | 'other';
  statement: string;
  commitment: boolean;
  evidence: JsonValue;
  status: 'received' | 'approved' | 'refused';
  eligible_from: string;
  decide_by: string | null;
  basis: JsonValue;
  decision: JsonValue | null;
  decided_at: Date | null;
  recorded_by: string;
  created_at: Date;
}

export interface OrderCountRecord {
  department: string;
  list_type: string;
  status: string;
  due_day: string;
  escalated: boolean;
  n: number;
}

export interface OrderWeekCountRecord {
  week_start: string;
  department: string;
  list_type: string;
  kind: string;
  n: number;
}

export interface PersonCheckBudgetRecord {
  caller: string;
  used: number;
  window_ends: Date;
}

export interface SeriousViolationProposalRecord {
  id: number;
  entry_id: string;
  stage: 'reminder' | 'proposal';
  uscc: string | null;
  subject_name: string;
  listed_on: string;
  three_years_on: string;
  basis: JsonValue;
  created_at: Date;
}

export interface ServiceSecretRecord {
  name: string;
  value: string;
  created_at: Date;
}

export interface SubjectInForceRecord {
  subject_key: string;
  h: number;
  touched_at: Date;
}

export interface WebhookDeliveryAttemptRecord {
  id: number;
  event_id: string;
  attempt: number;
  url: string;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface WebhookOutboxRecord {
  id: string;
  seq: number;
  department: string;
  type:
    | 'order.issued'
    | 'order.lifted'
    | 'order.escalated'
    | 'order.revoked'
    | 'order.amended'
    | 'order.entry_corrected'
    | 'decision.basis_revoked'
    | 'decision.basis_corrected'
    | 'decision.ground_corrected';
  order_id: string | null;
  occurred_at: Date;
  data: JsonValue;
  status: 'pending' | 'delivered';
  attempts: number;
  next_attempt_at: Date;
  delivered_at: Date | null;
  last_error: string | null;
}

export interface WebhookRecord {
  department: string;
  url: string;
  secret_sealed: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
}

/**
 * A row of the view `restrictions` (migration 20261206200000, ADR 0012): one measure on one subject, derived from an
 * order, its measure set and its entry; nothing writes it. The check path derives the same in src/restrictions/reach.ts.
 */
export interface RestrictionRecord {
  entry_id: string;
  order_id: string;
  subject_kind: 'enterprise' | 'person';
  uscc: string | null;
  person_key: string | null;
  measure_code: string;
  /** its order's measure set (measure_sets): the measure's name, scenarios and basis */
  measure_set_id: number;
  department: string;
  list_type: string;
  until: string | null;
  status: string;
  lifted_at: Date | null;
}

/** The measures an order was issued with, stored once per distinct content (ADR 0009); never updated or deleted. */
export interface MeasureSetRecord {
  id: number;
  digest: Buffer;
  measures: unknown[];
  /** generated (migration 20261206300000): a measure of the set reaches the enterprise subject */
  restricts_enterprise: boolean;
  /** generated: the roles its measures and bans reach, as bits of reach_bit (the subject index's trigger) */
  reach_roles: string;
}

/** A row of the view `officer_bans`: one ban on one person, derived like `restrictions`; nothing writes it. */
export interface OfficerBanRecord {
  entry_id: string;
  order_id: string;
  person_key: string;
  person_masked: string;
  reached_as: string;
  code: string;
  /** its order's measure set (measure_sets): the ban's name, roles and basis */
  measure_set_id: number;
  list_type: string;
  enterprise_uscc: string | null;
  until: string | null;
  status: string;
  lifted_at: Date | null;
}

/**
 * An order as stored. list_type is not checked by the database: it is written only from the catalogue's codes. The
 * measures are its measure set's (measure_set_id) with measure_untils, each measure's `until` in the set's order.
 */
export interface OrderRecord {
  id: string;
  entry_id: string;
  list_type: ListType;
  department: string;
  status: 'issued' | 'implemented' | 'not_applicable' | 'lifted' | 'revoked';
  issued_at: Date;
  due_at: Date;
  feedback: JsonValue | null;
  lifted_at: Date | null;
  updated_at: Date;
  /** due_at counted past the official calendar, on the statutory holidays alone */
  due_at_provisional: boolean;
  /** The removal ground the order was lifted on, or 'revoked'; null when none was recorded. */
  end_ground: string | null;
  revoked_at: Date | null;
  /** highest escalation (0 none), kept by a trigger on escalations: never written here */
  escalation_level: number;
  measure_set_id: number;
  /** 'YYYY-MM-DD' or null per measure; null when no measure has a term */
  measure_untils: (string | null)[] | null;
}

/** A list entry as stored; list_type as in OrderRecord. */
export interface ListEntryRecord {
  id: string;
  list_type: ListType;
  authority: string;
  source_ref: string;
  subject_kind: 'enterprise' | 'person';
  uscc: string | null;
  subject_name: string;
  person_keys: string[];
  subject: JsonValue;
  related_persons: JsonValue;
  reason: string;
  decision_no: string;
  decided_at: string;
  expires_at: string | null;
  status: 'active' | 'removed' | 'expired' | 'revoked';
  removal: JsonValue | null;
  rules_version: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  persons: JsonValue | null;
  listing_ground: string | null;
  revocation: JsonValue | null;
  /** when it first left active: its restrictions and bans were lifted then (null while active) */
  ended_at: Date | null;
  /** generated from subject_name (entry_name_pairs): never written */
  name_pairs: string[] | null;
}

declare module 'knex/types/tables' {
  interface Tables {
    api_tokens: Table<ApiTokenRecord, 'id' | 'created_at' | 'label' | 'revoked_at' | 'expires_at' | 'last_used_at'>;
    audit_log: Table<AuditLogRecord, 'id' | 'before' | 'after' | 'request_id' | 'token_id', 'before' | 'after'>;
    check_counts: Table<CheckCountRecord, 'clear'>;
    check_decision_basis_revocations: Table<CheckDecisionBasisRevocationRecord>;
    check_decision_basis_corrections: Table<CheckDecisionBasisCorrectionRecord, 'decision_no' | 'decided_at', 'until'>;
    check_decision_ground_corrections: Table<CheckDecisionGroundCorrectionRecord, 'decision_no'>;
    check_decisions: Table<
      CheckDecisionRecord,
      'id' | 'uscc' | 'person_key' | 'person_masked' | 'scenario' | 'role' | 'feedback_action' | 'feedback',
      'answer' | 'feedback'
    >;
    escalations: Table<EscalationRecord, 'id'>;
    job_runs: Table<JobRunRecord, 'id' | 'finished_at' | 'counts' | 'error' | 'duration_ms', 'counts'>;
    objections: Table<
      ObjectionRecord,
      'evidence' | 'status' | 'accept_by' | 'decide_by' | 'decision' | 'decided_at',
      'evidence' | 'basis' | 'decision'
    >;
    restoration_applications: Table<
      RestorationApplicationRecord,
      'evidence' | 'status' | 'decide_by' | 'decision' | 'decided_at',
      'evidence' | 'basis' | 'decision'
    >;
    order_counts: Table<OrderCountRecord>;
    order_count_deltas: Table<OrderCountRecord>;
    order_week_counts: Table<OrderWeekCountRecord>;
    order_week_deltas: Table<OrderWeekCountRecord>;
    person_check_budget: Table<PersonCheckBudgetRecord>;
    serious_violation_proposals: Table<SeriousViolationProposalRecord, 'id' | 'uscc', 'basis'>;
    service_secrets: Table<ServiceSecretRecord, 'created_at'>;
    subjects_in_force: Table<SubjectInForceRecord, 'touched_at'>;
    webhook_delivery_attempts: Table<WebhookDeliveryAttemptRecord, 'id' | 'status_code' | 'error'>;
    webhook_outbox: Table<
      WebhookOutboxRecord,
      'seq' | 'order_id' | 'status' | 'attempts' | 'delivered_at' | 'last_error',
      'data'
    >;
    webhooks: Table<WebhookRecord, 'lease_owner' | 'lease_until'>;
    restrictions: Table<RestrictionRecord, 'uscc' | 'person_key' | 'until' | 'status' | 'lifted_at'>;
    measure_sets: Table<MeasureSetRecord, 'id' | 'restricts_enterprise' | 'reach_roles', 'measures'>;
    officer_bans: Table<OfficerBanRecord, 'enterprise_uscc' | 'until' | 'status' | 'lifted_at'>;
    orders: Table<
      OrderRecord,
      | 'id'
      | 'status'
      | 'feedback'
      | 'lifted_at'
      | 'updated_at'
      | 'due_at_provisional'
      | 'end_ground'
      | 'revoked_at'
      | 'escalation_level'
      | 'measure_untils',
      'feedback'
    >;
    list_entries: Table<
      ListEntryRecord,
      | 'id'
      | 'uscc'
      | 'person_keys'
      | 'related_persons'
      | 'expires_at'
      | 'status'
      | 'removal'
      | 'created_at'
      | 'updated_at'
      | 'persons'
      | 'listing_ground'
      | 'revocation'
      | 'ended_at'
      | 'name_pairs',
      'subject' | 'related_persons' | 'removal' | 'persons' | 'revocation'
    >;
  }
}
