import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { CursorKey } from '../db/pagination';
import type { ReadRouter } from '../db/read-router';
import type { CheckDecisionRecord } from '../db/tables';
import { basisCorrectedOf, type BasisCorrected } from './basis-corrections';
import { basisRevokedOf, type BasisRevoked } from './basis-revocations';
import { groundsCorrectedOf, type GroundCorrected } from './ground-corrections';

/** The append-only marks on decision records, by record id. */
export interface BasisMarks {
  revoked: Map<string, BasisRevoked>;
  corrected: Map<string, BasisCorrected>;
  /** corrections of what the answer quoted of its grounds (no lost basis: the listing stood) */
  groundsCorrected: Map<string, GroundCorrected[]>;
}

const TABLE = 'check_decisions';

export type CheckKind = CheckDecisionRecord['kind'];
type DecisionOutcome = CheckDecisionRecord['outcome'];

/** The desk's feedback on a hit, as kept in check_decisions.feedback. */
export interface DecisionFeedbackRecord {
  action: 'restricted' | 'not_restricted';
  reason: string | null;
  caseRef: string | null;
  note: string | null;
  at: string;
  by: string;
}

/** A decision record (查询结果留存): the answer as given, whom it was about, and the desk's feedback if any. */
export interface Decision {
  id: string;
  kind: CheckKind;
  department: string;
  uscc: string | null;
  personMasked: string | null;
  scenario: string | null;
  role: string | null;
  outcome: DecisionOutcome;
  answer: Record<string, unknown>;
  rulesVersion: string;
  checkedAt: Date;
  feedback: DecisionFeedbackRecord | null;
}

/** A record to write: the row's own columns (the answer as an object). */
export type NewDecisionRow = Omit<CheckDecisionRecord, 'feedback_action' | 'feedback' | 'answer'> & {
  answer: object;
};

const toDecision = (r: CheckDecisionRecord): Decision => ({
  id: r.id,
  kind: r.kind,
  department: r.department,
  uscc: r.uscc,
  personMasked: r.person_masked,
  scenario: r.scenario,
  role: r.role,
  outcome: r.outcome,
  answer: r.answer as Record<string, unknown>,
  rulesVersion: r.rules_version,
  checkedAt: r.checked_at,
  feedback: r.feedback as DecisionFeedbackRecord | null,
});

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

/** One counted clean answer bucket: department, kind, scenario or role ('' for none), China day. */
export interface ClearCount {
  department: string;
  kind: CheckKind;
  scenario: string;
  day: string;
  clear: number;
}

/**
 * check_decisions and check_counts. Records and counts are written on the primary; reading a record or a page of
 * them is browsing history and tolerates a bounded lag (the read router; a department that just checked reads its
 * own writes from the primary). A record read to be fed back is read on the primary, in the writing transaction.
 */
export class DecisionStore {
  constructor(private readonly h: { primary: Db; reads: ReadRouter }) {}

  /** A writing transaction on the primary; the methods taking `trx` run inside one. */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.h.primary.transaction(work);
  }

  /** Many records in one statement (and one commit): concurrent hits share it, see CheckService. */
  async insert(rows: readonly NewDecisionRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.h.primary(TABLE).insert(rows.map((row) => ({ ...row, answer: JSON.stringify(row.answer) })));
  }

  async find(id: string): Promise<Decision | undefined> {
    const row = await this.h.reads.read((db) => db(TABLE).where({ id }).first());
    return row ? toDecision(row) : undefined;
  }

  /** The record, its row locked until the transaction ends: the one a feedback is about to be written on. */
  async findForUpdate(trx: Knex.Transaction, id: string): Promise<Decision | undefined> {
    const row = await trx(TABLE).where({ id }).forUpdate().first();
    return row ? toDecision(row) : undefined;
  }

  /** Sets the feedback only if there is none yet; undefined when another feedback got there first. */
  async setFeedback(
    trx: Knex.Transaction,
    id: string,
    feedback: DecisionFeedbackRecord,
  ): Promise<Decision | undefined> {
    const [row] = await trx(TABLE)
      .where({ id })
      .whereNull('feedback_action')
      .update({ feedback_action: feedback.action, feedback: JSON.stringify(feedback) })
      .returning('*');
    return row ? toDecision(row) : undefined;
  }

  /** A page (limit+1 rows, so the caller knows there is a next one), newest first. */
  async list(f: DecisionFilters, limit: number, after?: CursorKey): Promise<Decision[]> {
    const rows = await this.h.reads.read((db) => {
      const query = db(TABLE).select('*');
      if (f.department) query.where('department', f.department);
      if (f.scenario)
        query.where((w) => w.where('scenario', f.scenario as string).orWhere('role', f.scenario as string));
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
    });
    return rows.map(toDecision);
  }

  /**
   * The first basis-revoked and basis-corrected mark of each record: inside the writing transaction when given one,
   * else a read.
   */
  basisMarks(decisionIds: string[], trx?: Knex.Transaction): Promise<BasisMarks> {
    const marks = async (q: Knex) => ({
      revoked: await basisRevokedOf(q, decisionIds),
      corrected: await basisCorrectedOf(q, decisionIds),
      groundsCorrected: await groundsCorrectedOf(q, decisionIds),
    });
    return trx ? marks(trx) : this.h.reads.read(marks);
  }

  /** Adds counts in one statement; concurrent instances add to the same rows. */
  async addClearCounts(counts: ClearCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.h.primary.raw(
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
}
