import type { Knex } from 'knex';
import type { CursorKey } from '../db/pagination';

type Q = Knex | Knex.Transaction;
const TABLE = 'check_decisions';

export type CheckKind = 'enterprise' | 'person' | 'officer';
type DecisionOutcome = 'hit' | 'clear';

export interface DecisionFeedbackRecord {
  action: 'restricted' | 'not_restricted';
  reason: string | null;
  caseRef: string | null;
  note: string | null;
  at: string;
  by: string;
}

export interface DecisionRow {
  id: string;
  kind: CheckKind;
  department: string;
  uscc: string | null;
  person_key: string | null;
  person_masked: string | null;
  scenario: string | null;
  role: string | null;
  outcome: DecisionOutcome;
  answer: Record<string, unknown>;
  rules_version: string;
  checked_at: Date;
  feedback_action: string | null;
  feedback: DecisionFeedbackRecord | null;
}

export type NewDecisionRow = Omit<DecisionRow, 'feedback_action' | 'feedback'>;

/** Many records in one statement (and one commit): concurrent hits share it, see CheckService. */
export async function insertDecisions(q: Q, rows: readonly NewDecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q(TABLE).insert(rows.map((row) => ({ ...row, answer: JSON.stringify(row.answer) })));
}

export async function findDecision(q: Q, id: string): Promise<DecisionRow | undefined> {
  return q(TABLE).where({ id }).first();
}

/** Sets the feedback only if there is none yet; undefined when another feedback got there first. */
export async function setDecisionFeedback(
  q: Q,
  id: string,
  feedback: DecisionFeedbackRecord,
): Promise<DecisionRow | undefined> {
  const [row] = await q(TABLE)
    .where({ id })
    .whereNull('feedback_action')
    .update({ feedback_action: feedback.action, feedback: JSON.stringify(feedback) })
    .returning('*');
  return row as DecisionRow | undefined;
}

export interface DecisionFilters {
  department?: string;
  /** scenario, or role for officer checks */
  scenario?: string;
  uscc?: string;
  from?: string;
  to?: string;
  outcome?: DecisionOutcome;
  /** pending: hits without feedback yet (what a desk still has to say); given: records with feedback */
  feedback?: 'pending' | 'given';
}

export async function listDecisions(
  q: Q,
  f: DecisionFilters,
  limit: number,
  after?: CursorKey,
): Promise<DecisionRow[]> {
  const query = q(TABLE).select('*');
  if (f.department) query.where('department', f.department);
  if (f.scenario) query.where((w) => w.where('scenario', f.scenario as string).orWhere('role', f.scenario as string));
  if (f.uscc) query.where('uscc', f.uscc);
  if (f.from) query.where('checked_at', '>=', f.from);
  if (f.to) query.where('checked_at', '<', f.to);
  if (f.outcome) query.where('outcome', f.outcome);
  if (f.feedback === 'pending') query.where('outcome', 'hit').whereNull('feedback_action');
  if (f.feedback === 'given') query.whereNotNull('feedback_action');
  if (after) query.whereRaw('(checked_at, id) < (?::timestamptz, ?::uuid)', [after.at, after.id]);
  return query
    .orderBy([
      { column: 'checked_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
}

/** One counted clean answer bucket: department, kind, scenario or role ('' for none), China day. */
export interface ClearCount {
  department: string;
  kind: CheckKind;
  scenario: string;
  day: string;
  clear: number;
}

/** Adds counts in one statement; concurrent instances add to the same rows. */
export async function addClearCounts(q: Q, counts: ClearCount[]): Promise<void> {
  if (counts.length === 0) return;
  await q.raw(
    `insert into check_counts (department, kind, scenario, day, clear)
     select * from unnest(?::text[], ?::text[], ?::text[], ?::date[], ?::bigint[])
     on conflict (department, kind, scenario, day) do update set clear = check_counts.clear + excluded.clear`,
    [
      counts.map((c) => c.department),
      counts.map((c) => c.kind),
      counts.map((c) => c.scenario),
      counts.map((c) => c.day),
      counts.map((c) => c.clear),
    ],
  );
}
