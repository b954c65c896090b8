import { keysetBatches } from '../db/keyset';
import type { Db } from '../db/knex';
import type { EntryStore, ListedEnterprise } from '../lists/list-entry-store';
import { recordAudit } from '../audit/audit-store';
import type { Catalog, ListTransition } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { addDays, addYears, chinaDate, type IsoDate } from '../time/dates';
import type { JobCounts } from './job-runner';
import type { JobStore } from './job-store';

/**
 * The legacy abnormal-operations rule is data: rules/catalog.json `transitions`, code abnormal_operations_3y
 * (企业信息公示暂行条例 2014 Art. 17; 工商总局令第83号 Art. 5(1), Art. 8 — the dates each was in force are there).
 *
 * The duty arises on the day the term is complete (the mark), so the law of THAT day decides: the rule applies when
 * the mark falls within the rule's inForce, and the basis cited is every text in force on the mark. Entries whose
 * mark falls after inForce.until get neither reminder nor proposal: the consequence no longer exists. Marks that
 * passed unprocessed (e.g. before this service ran) still produce a late proposal for a still-active entry; the
 * reminder is only given while the mark is ahead.
 */
const ABNORMAL_OPERATIONS_TRANSITION = 'abnormal_operations_3y';

export type AbnormalOperationsRule = Pick<ListTransition, 'afterYears' | 'reminderDaysBefore' | 'inForce' | 'basis'>;

/** The transition from the catalogue; undefined when the rules do not define it (the job then does nothing). */
export function abnormalOperationsRuleOf(catalog: Catalog): AbnormalOperationsRule | undefined {
  return catalog.transitions?.find(
    (t) =>
      t.code === ABNORMAL_OPERATIONS_TRANSITION && t.from === 'abnormal_operations' && t.to === 'serious_violation',
  );
}

function markOf(rule: AbnormalOperationsRule, listedOn: IsoDate): IsoDate {
  return addYears(listedOn, rule.afterYears);
}

function basisOn(rule: AbnormalOperationsRule, date: IsoDate): { document: string; article: string }[] {
  return rule.basis
    .filter((b) => date >= b.inForce.from && date <= b.inForce.until)
    .map(({ document, article }) => ({ document, article }));
}

const BATCH = 500;

/** Reminders and proposals for the serious-violation list; unique (entry_id, stage) makes each happen once. */
export async function proposeAbnormalOperations(
  db: Db,
  entries: EntryStore,
  store: JobStore,
  clock: Clock,
  rule: AbnormalOperationsRule | undefined,
): Promise<JobCounts> {
  const now = clock.now();
  const today = chinaDate(now);
  const counts = { checked: 0, reminders: 0, proposals: 0 };
  if (!rule) return counts;
  const years = rule.afterYears;
  // Entries whose mark is inside the rule's range and at most reminderDaysBefore ahead (exact test below).
  const listedFrom = addYears(rule.inForce.from, -years);
  const listedUntil = [
    addYears(rule.inForce.until, -years),
    addDays(addYears(today, -years), rule.reminderDaysBefore + 1),
  ].sort()[0] as string;
  const decided: [string, string] = [addDays(listedFrom, -1), listedUntil];
  const read = (after: string, limit: number) =>
    entries.activeDecidedBetween('abnormal_operations', decided, after, limit);
  for await (const rows of keysetBatches(read, BATCH)) {
    counts.checked += rows.length;

    const due: (ListedEnterprise & { stage: 'reminder' | 'proposal'; mark: IsoDate })[] = [];
    for (const r of rows) {
      const mark = markOf(rule, r.decided_at);
      if (mark < rule.inForce.from || mark > rule.inForce.until) continue;
      if (today >= mark) due.push({ ...r, stage: 'proposal', mark });
      else if (today >= addDays(mark, -rule.reminderDaysBefore)) due.push({ ...r, stage: 'reminder', mark });
    }
    if (due.length === 0) continue;
    await db.transaction(async (trx) => {
      const rows = due.map((d) => ({
        entry_id: d.id,
        stage: d.stage,
        uscc: d.uscc,
        subject_name: d.subject_name,
        listed_on: d.decided_at,
        three_years_on: d.mark,
        basis: basisOn(rule, d.mark),
        created_at: now,
      }));
      const inserted = await store.insertProposals(trx, rows);
      await recordAudit(
        trx,
        { at: now },
        inserted.map((p) => ({
          actor: 'system',
          action: `serious_violation.${p.stage}`,
          entityType: 'list_entry',
          entityId: p.entryId,
          after: { proposalId: p.id },
        })),
      );
      for (const p of inserted) {
        if (p.stage === 'reminder') counts.reminders++;
        else counts.proposals++;
      }
    });
  }
  return counts;
}
