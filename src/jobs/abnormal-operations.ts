import type { Db } from '../db/knex';
import { recordAudit } from '../audit/audit-store';
import type { Clock } from '../time/clock';
import { addDays, addYears, chinaDate, type IsoDate } from '../time/dates';
import type { JobCounts } from './job-runner';

/**
 * The legacy abnormal-operations rule, with the dates it was in force (from the domain brief §3.1, §3.2, §4):
 *
 * - 企业信息公示暂行条例 (国务院令第654号) Art. 17, 2014 text: an enterprise on the 经营异常名录 that has not performed
 *   its obligations when 3 years are complete goes on the 严重违法企业名单. In force 2014-10-01 to 2024-04-30: the 2024
 *   revision (国务院令第777号, effective 2024-05-01) replaced these mechanics.
 * - 严重违法失信企业名单管理暂行办法 (工商总局令第83号) Art. 5(1) and Art. 8: the same situation, listed within 10 working
 *   days after the 3 years, with a reminder on the 公示系统 60 days before. In force 2016-04-01 to 2021-08-31
 *   (superseded by 总局令第44号 from 2021-09-01).
 *
 * The duty arises on the day the 3 years are complete, so the law of THAT day decides: the rule applies when the
 * 3-year mark falls within the regulation's 2014 text (2014-10-01 … 2024-04-30), and the basis cited is every text
 * above in force on the mark. Entries whose mark falls after 2024-04-30 get neither reminder nor proposal: the
 * consequence no longer exists. Marks that passed unprocessed (e.g. before this service ran) still produce a late
 * proposal for a still-active entry; the reminder is only given while the mark is ahead.
 */
export const ABNORMAL_OPERATIONS_RULE = {
  years: 3,
  reminderDaysBefore: 60,
  inForce: { from: '2014-10-01', until: '2024-04-30' },
  basis: [
    { document: '企业信息公示暂行条例（国务院令第654号，2014年）', article: '第十七条', inForce: { from: '2014-10-01', until: '2024-04-30' } },
    { document: '严重违法失信企业名单管理暂行办法（工商总局令第83号）', article: '第五条第（一）项、第八条', inForce: { from: '2016-04-01', until: '2021-08-31' } },
  ],
} as const;

export function threeYearMarkOf(listedOn: IsoDate): IsoDate {
  return addYears(listedOn, ABNORMAL_OPERATIONS_RULE.years);
}

export function basisOn(date: IsoDate): { document: string; article: string }[] {
  return ABNORMAL_OPERATIONS_RULE.basis.filter((b) => date >= b.inForce.from && date <= b.inForce.until).map(({ document, article }) => ({ document, article }));
}

const BATCH = 500;
const MAX_BATCHES = 10_000;

interface Candidate {
  id: string;
  uscc: string | null;
  subject_name: string;
  decided_at: string;
}

/** Reminders and proposals for the serious-violation list; unique (entry_id, stage) makes each happen once. */
export async function proposeAbnormalOperations(db: Db, clock: Clock): Promise<JobCounts> {
  const now = clock.now();
  const today = chinaDate(now);
  const rule = ABNORMAL_OPERATIONS_RULE;
  const counts = { checked: 0, reminders: 0, proposals: 0 };
  // Entries whose mark is inside the rule's range and at most reminderDaysBefore ahead (exact test below).
  const listedFrom = addYears(rule.inForce.from, -rule.years);
  const listedUntil = [addYears(rule.inForce.until, -rule.years), addDays(addYears(today, -rule.years), rule.reminderDaysBefore + 1)].sort()[0] as string;
  let after = '00000000-0000-0000-0000-000000000000';
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const rows: Candidate[] = await db('list_entries')
      .select('id', 'uscc', 'subject_name', 'decided_at')
      .where({ list_type: 'abnormal_operations', status: 'active' })
      .whereBetween('decided_at', [addDays(listedFrom, -1), listedUntil])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id as string;
    counts.checked += rows.length;

    const due: (Candidate & { stage: 'reminder' | 'proposal'; mark: IsoDate })[] = [];
    for (const r of rows) {
      const mark = threeYearMarkOf(r.decided_at);
      if (mark < rule.inForce.from || mark > rule.inForce.until) continue;
      if (today >= mark) due.push({ ...r, stage: 'proposal', mark });
      else if (today >= addDays(mark, -rule.reminderDaysBefore)) due.push({ ...r, stage: 'reminder', mark });
    }
    if (due.length === 0) continue;
    await db.transaction(async (trx) => {
      const inserted: { id: number; entry_id: string; stage: string }[] = await trx('serious_violation_proposals')
        .insert(due.map((d) => ({ entry_id: d.id, stage: d.stage, uscc: d.uscc, subject_name: d.subject_name, listed_on: d.decided_at, three_years_on: d.mark, basis: JSON.stringify(basisOn(d.mark)), created_at: now })))
        .onConflict(['entry_id', 'stage'])
        .ignore()
        .returning(['id', 'entry_id', 'stage']);
      await recordAudit(
        trx,
        { at: now },
        inserted.map((p) => ({ actor: 'system', action: `serious_violation.${p.stage}`, entityType: 'list_entry', entityId: p.entry_id, after: { proposalId: p.id } })),
      );
      for (const p of inserted) {
        if (p.stage === 'reminder') counts.reminders++;
        else counts.proposals++;
      }
    });
  }
  return counts;
}
