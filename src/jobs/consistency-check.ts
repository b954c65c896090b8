import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { keysetBatches } from '../db/keyset';
import { entryForRulesOf } from '../lists/entry-facts';
import type { EntryPlanner } from '../lists/entry-planner';
import { allows } from '../lists/entry-lifecycle';
import { issueOrders } from '../lists/issue-orders';
import { lockEntry, type EntryStore } from '../lists/list-entry-store';
import { ordersOfEntries, type OrderRow } from '../orders/order-store';
import type { Plan } from '../rules/outcome-planner';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { FeedbackDeadlines } from '../time/feedback-deadline';
import type { JobCounts } from './job-runner';

const BATCH = 500;

export interface ConsistencyDeps {
  db: Db;
  /** The entries (the walk over the active ones, on the primary). */
  entryStore: EntryStore;
  clock: Clock;
  log: Logger;
  planner: EntryPlanner;
  deadlines: FeedbackDeadlines;
  /** This process's subject index, told of the subjects a repair puts under restrictions or bans. */
  announceSubjects: (keys: string[]) => void;
}

/** (department, measure code) pairs the current rules produce for an entry and its stored orders lack. */
function missingMeasures(plan: Plan, stored: OrderRow[], today: string): Map<string, Set<string>> {
  const have = new Set(stored.flatMap((o) => o.measures.map((m) => `${o.department}\u0000${m.code}`)));
  const missing = new Map<string, Set<string>>();
  for (const o of plan.orders) {
    for (const m of o.measures) {
      // A fixed-term measure whose term is already over has nothing left to apply.
      if (m.until !== null && m.until < today) continue;
      if (have.has(`${o.department}\u0000${m.code}`)) continue;
      const set = missing.get(o.department) ?? new Set<string>();
      set.add(m.code);
      missing.set(o.department, set);
    }
  }
  return missing;
}

function extraMeasures(plan: Plan, stored: OrderRow[]): number {
  const planned = new Set(plan.orders.flatMap((o) => o.measures.map((m) => `${o.department}\u0000${m.code}`)));
  return stored
    .filter((o) => o.status !== 'lifted' && o.status !== 'revoked')
    .flatMap((o) => o.measures.filter((m) => !planned.has(`${o.department}\u0000${m.code}`))).length;
}

/**
 * Every active entry must have the orders its rules produce today. The rules are run again on the stored entry
 * (the same engine and planner as at creation); measures the stored orders lack (a rule added or widened since)
 * are issued now, as a new order per department, with their restrictions and bans, audited and announced with
 * order.issued. Measures the stored orders have but the rules no longer produce are reported (measuresExtra) and
 * left in force: ending a restriction is a legal decision, not a repair.
 */
export async function checkConsistency(d: ConsistencyDeps): Promise<JobCounts> {
  const now = d.clock.now();
  const today = chinaDate(now);
  const counts = { checked: 0, unverifiable: 0, drifted: 0, measuresMissing: 0, measuresExtra: 0, ordersIssued: 0 };
  for await (const rows of keysetBatches((after, limit) => d.entryStore.activeAfter(after, limit), BATCH)) {
    const stored = await ordersOfEntries(
      d.db,
      rows.map((r) => r.id),
    );
    for (const row of rows) {
      counts.checked++;
      const forRules = entryForRulesOf(row);
      if (!forRules) {
        counts.unverifiable++;
        continue;
      }
      const plan = await d.planner.planFacts(forRules);
      const own = stored.filter((o) => o.entry_id === row.id);
      const missing = missingMeasures(plan, own, today);
      const extra = extraMeasures(plan, own);
      counts.measuresExtra += extra;
      if (missing.size === 0 && extra === 0) continue;
      counts.drifted++;
      const drift = { entryId: row.id, missing: Object.fromEntries([...missing].map(([k, v]) => [k, [...v]])), extra };
      d.log.warn(drift, 'list entry drifted from its rules');
      if (missing.size === 0) continue;
      counts.ordersIssued += await repair(d, row.id, plan, today, now, counts);
    }
  }
  return counts;
}

/** Issues the missing measures of one entry, re-checked under the entry's row lock. Returns orders issued. */
async function repair(
  d: ConsistencyDeps,
  entryId: string,
  plan: Plan,
  today: string,
  now: Date,
  counts: { measuresMissing: number },
): Promise<number> {
  return d.db.transaction(async (trx) => {
    const row = await lockEntry(trx, entryId);
    if (!row || !allows('reissue', row.status)) return 0;
    const missing = missingMeasures(plan, await ordersOfEntries(trx, [entryId]), today);
    if (missing.size === 0) return 0;
    const isMissing = (department: string, code: string) => missing.get(department)?.has(code) ?? false;
    const lacking: Plan = {
      orders: plan.orders
        .map((o) => ({ department: o.department, measures: o.measures.filter((m) => isMissing(o.department, m.code)) }))
        .filter((o) => o.measures.length > 0),
      restrictions: plan.restrictions.filter((r) => isMissing(r.department, r.measureCode)),
      bans: plan.bans.filter((b) => isMissing(b.department, b.code)),
    };
    counts.measuresMissing += lacking.orders.reduce((n, o) => n + o.measures.length, 0);
    const deadlineOf = (m: OrderRow['measures']) => d.deadlines.deadlineOf(now, m);
    const ctx = {
      actor: 'system',
      at: now,
      deadlineOf,
      reason: 'consistency-check' as const,
      announceSubjects: d.announceSubjects,
    };
    const issued = await issueOrders(trx, ctx, [{ entryId, listType: row.list_type, plan: lacking }]);
    return issued.length;
  });
}
