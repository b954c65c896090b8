import type { Knex } from 'knex';
import { recordAudit } from '../audit/audit-store';
import { markDecisionsOfCorrectedBasis } from '../checks/basis-corrections';
import { noteCorrectedGrounds } from '../checks/ground-corrections';
import { UnprocessableError, ValidationError } from '../errors';
import { fieldError } from '../i18n/messages';
import type { components } from '../generated/openapi';
import { chinaDate } from '../time/dates';
import { admit, TRANSITIONS, type TransitionContext } from './entry-lifecycle';
import { lockOrdersInForce } from '../orders/order-store';
import { updateEntryDescription, type CorrectableColumns, type EntryRow } from './list-entry-store';
import type { EntryPlanner } from './entry-planner';
import { announceCorrection } from './correction-notices';
import { moveOrderTerms } from './order-terms';

type Changes = components['schemas']['CorrectionChanges'];

/** What a correction asks of the loaded rules: each measure's term, and whether another decision date plans others. */
export type CorrectionRules = Pick<EntryPlanner, 'durationOf' | 'sameMeasuresOn'>;

/** Who the entry is about and on which list: a wrong one is a wrong listing, revoked and listed again, never edited. */
const IDENTITY_FIELDS = ['uscc', 'idNumber', 'listType', 'kind'] as const;

/**
 * 更正 (法释〔2017〕7号 Art. 9 ¶2, 总局令第45号 Art. 12): the descriptive fields of an active entry, on a row the caller
 * has locked. Identity fields are refused with 422 (revoke and list again). Dates stay within what a listing allows:
 * the decision is not in the future, and the term does not end before the decision. Before and after of every changed
 * field are audited (the entry's history shows them), the correction's own reason, decision and objection under
 * `after.correction`. A corrected date moves the terms of the measures in force on the entry's orders
 * (src/lists/order-terms.ts), with their departments told, and marks the decision records whose hits those terms, or
 * the decision date as corrected, no longer cover (src/checks/basis-corrections.ts), with their desks told. Every
 * department with an order in force on the entry hears of any correction (src/lists/correction-notices.ts), and the
 * desk of every record whose answer quoted a corrected field of it (src/checks/ground-corrections.ts). A correction
 * that changes nothing changes nothing (a repeat).
 */
export async function correctEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  changes: Changes,
  why: { reason: string; decisionNo?: string; objectionId?: string },
  ctx: TransitionContext,
  rules: CorrectionRules,
  /** Where the changes are in the request, for the paths of its errors: a correction's `changes`, an objection's `correction`. */
  at: 'changes' | 'correction' = 'changes',
): Promise<{ changed: boolean; entry: EntryRow }> {
  const identity = IDENTITY_FIELDS.filter((f) => changes[f] !== undefined);
  if (identity.length)
    throw UnprocessableError.coded(
      'identity_fields',
      { fields: identity.join(', ') },
      identity.map((f) => fieldError(`${at}.${f}`, 'identity_field')),
    );
  admit('correct', row.status);
  const set: CorrectableColumns = {};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const change = <K extends keyof CorrectableColumns>(
    field: string,
    column: K,
    was: unknown,
    now: EntryRow[K] | undefined,
  ) => {
    if (now === undefined || was === now) return;
    set[column] = now;
    before[field] = was;
    after[field] = now;
  };
  const subject = structuredClone(row.subject);
  if (changes.subjectName !== undefined && changes.subjectName !== row.subject_name) {
    change('subjectName', 'subject_name', row.subject_name, changes.subjectName);
    subject.name = changes.subjectName;
  }
  if (changes.legalRepresentativeName !== undefined) {
    const rep = subject.kind === 'enterprise' ? subject.legalRepresentative : undefined;
    if (!rep)
      throw UnprocessableError.coded('no_legal_rep', {}, [
        fieldError(`${at}.legalRepresentativeName`, 'no_legal_rep_field'),
      ]);
    if (rep.name !== changes.legalRepresentativeName) {
      before.legalRepresentativeName = rep.name;
      after.legalRepresentativeName = changes.legalRepresentativeName;
      rep.name = changes.legalRepresentativeName;
    }
  }
  if (JSON.stringify(subject) !== JSON.stringify(row.subject)) set.subject = subject;
  // the persons as the rules and a resubmission see them carry the names too: left old, a resubmission of the
  // corrected record was refused as differing, and one of the wrong record taken for a repeat
  const persons = row.persons?.map((p) =>
    p.role === 'legal_representative' && changes.legalRepresentativeName !== undefined
      ? { ...p, name: changes.legalRepresentativeName }
      : p.role === 'subject' && changes.subjectName !== undefined
        ? { ...p, name: changes.subjectName }
        : p,
  );
  if (persons && JSON.stringify(persons) !== JSON.stringify(row.persons)) set.persons = persons;
  change('reason', 'reason', row.reason, changes.reason);
  change('decisionNo', 'decision_no', row.decision_no, changes.decisionNo);
  change('decidedAt', 'decided_at', row.decided_at, changes.decidedAt);
  if (changes.expiresAt !== undefined) change('expiresAt', 'expires_at', row.expires_at, changes.expiresAt);

  const decidedAt = set.decided_at ?? row.decided_at;
  const expiresAt = set.expires_at === undefined ? row.expires_at : set.expires_at;
  if (decidedAt > chinaDate(ctx.at)) throw ValidationError.coded(`${at}.decidedAt`, 'in_future');
  if (expiresAt !== null && expiresAt < decidedAt)
    throw ValidationError.coded(`${at}.expiresAt`, 'before_decision_date', { decidedAt });
  if (Object.keys(set).length === 0) return { changed: false, entry: row };
  // the orders keep the measures and citations planned for the old date; a date that would plan others is no
  // correction of the listing but another listing (an entry the rules cannot run on again is not held to it)
  if (set.decided_at !== undefined && (await rules.sameMeasuresOn(row, set.decided_at)) === false)
    throw UnprocessableError.coded('decision_date_changes_measures', { was: row.decided_at, now: set.decided_at }, [
      fieldError(`${at}.decidedAt`, 'decision_date_changes_measures_field'),
    ]);

  const entry = await updateEntryDescription(trx, row.id, set, ctx.at);
  await recordAudit(trx, { at: ctx.at, requestId: ctx.requestId }, [
    {
      actor: ctx.actor,
      action: TRANSITIONS.correct.audit,
      entityType: 'list_entry',
      entityId: row.id,
      before,
      // the correction's own grounds apart from the fields it changed: a corrected listing reason or decision number
      // would otherwise be overwritten, in the history, by why and by which decision it was corrected
      after: {
        ...after,
        correction: {
          reason: why.reason,
          ...(why.decisionNo ? { decisionNo: why.decisionNo } : {}),
          ...(why.objectionId ? { objectionId: why.objectionId } : {}),
        },
      },
    },
  ]);
  // the entry's row is locked by the caller, its orders now: the lock order of every writer of an entry and its orders
  const inForce = await lockOrdersInForce(trx, row.id);
  const moved = await moveOrderTerms(trx, inForce, row, entry, (code) => rules.durationOf(code), ctx);
  // the correction as the desks are told of it
  const correction = { at: ctx.at, reason: why.reason, ...(why.decisionNo ? { decisionNo: why.decisionNo } : {}) };
  // a moved term can end before a check's day, and a later decision date can fall after it
  if (moved.length || set.decided_at !== undefined) {
    const until = Object.fromEntries(moved.flatMap((o) => o.measures.map((m) => [m.code, m.until] as const)));
    await markDecisionsOfCorrectedBasis(trx, entry, until, {
      ...correction,
      ...(set.decided_at !== undefined ? { decidedAt: set.decided_at } : {}),
    });
  }
  const corrected = Object.keys(before);
  const movedById = new Map(moved.map((o) => [o.id, o]));
  await announceCorrection(
    trx,
    inForce.map((o) => movedById.get(o.id) ?? o),
    corrected,
    ctx,
  );
  await noteCorrectedGrounds(trx, entry, corrected, correction);
  return { changed: true, entry };
}
