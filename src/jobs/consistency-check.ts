import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-store';
import type { Db } from '../db/knex';
import { findEntry, type EntryRow } from '../lists/list-entry-store';
import { insertOrders, ordersOfEntries, type NewOrderRow, type OrderRow } from '../orders/order-store';
import { insertBans, insertRestrictions } from '../restrictions/restriction-store';
import { factsOf, planOutcome, type Plan } from '../rules/outcome-planner';
import type { RuleEngine } from '../rules/rule-engine';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { FeedbackDeadlines } from '../time/feedback-deadline';
import { enqueueOrderEvents } from '../webhooks/outbox';
import { entryForRulesOf, type EntryPerson } from '../lists/entry-facts';
import type { JobCounts } from './job-runner';

const BATCH = 500;
const MAX_BATCHES = 10_000;

export interface ConsistencyDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  engine: RuleEngine;
  deadlines: FeedbackDeadlines;
}

type Row = EntryRow & { persons?: EntryPerson[] | null };

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
  return stored.filter((o) => o.status !== 'lifted').flatMap((o) => o.measures.filter((m) => !planned.has(`${o.department}\u0000${m.code}`))).length;
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
  let after = '00000000-0000-0000-0000-000000000000';
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const rows: Row[] = await d.db('list_entries').where('status', 'active').where('id', '>', after).orderBy('id').limit(BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id as string;
    const stored = await ordersOfEntries(d.db, rows.map((r) => r.id));
    for (const row of rows) {
      counts.checked++;
      const forRules = entryForRulesOf(row);
      if (!forRules) {
        counts.unverifiable++;
        continue;
      }
      const plan = planOutcome(forRules, await d.engine.fire(factsOf(forRules)));
      const own = stored.filter((o) => o.entry_id === row.id);
      const missing = missingMeasures(plan, own, today);
      const extra = extraMeasures(plan, own);
      counts.measuresExtra += extra;
      if (missing.size === 0 && extra === 0) continue;
      counts.drifted++;
      d.log.warn({ entryId: row.id, missing: Object.fromEntries([...missing].map(([k, v]) => [k, [...v]])), extra }, 'list entry drifted from its rules');
      if (missing.size === 0) continue;
      counts.ordersIssued += await repair(d, row.id, plan, today, now, counts);
    }
  }
  return counts;
}

/** Issues the missing measures of one entry, re-checked under the entry's row lock. Returns orders issued. */
async function repair(d: ConsistencyDeps, entryId: string, plan: Plan, today: string, now: Date, counts: { measuresMissing: number }): Promise<number> {
  return d.db.transaction(async (trx) => {
    const row = await findEntry(trx, entryId, { forUpdate: true });
    if (!row || row.status !== 'active') return 0;
    const missing = missingMeasures(plan, await ordersOfEntries(trx, [entryId]), today);
    if (missing.size === 0) return 0;

    const orders: NewOrderRow[] = [];
    const orderIds = new Map<string, string>();
    for (const [department, codes] of missing) {
      const measures = (plan.orders.find((o) => o.department === department)?.measures ?? []).filter((m) => codes.has(m.code));
      counts.measuresMissing += measures.length;
      const id = randomUUID();
      orderIds.set(department, id);
      const deadline = d.deadlines.deadlineOf(now, measures);
      orders.push({ id, entry_id: entryId, list_type: row.list_type, department, measures, issued_at: now, due_at: deadline.dueAt, due_at_provisional: deadline.provisional });
    }
    const isMissing = (department: string, code: string) => missing.get(department)?.has(code) ?? false;
    const orderIdOf = (department: string) => orderIds.get(department) as string;
    await insertOrders(trx, orders);
    await insertRestrictions(trx, entryId, row.list_type, orderIdOf, plan.restrictions.filter((r) => isMissing(r.department, r.measureCode)));
    await insertBans(trx, entryId, row.list_type, orderIdOf, plan.bans.filter((b) => isMissing(b.department, b.code)));
    const issued: OrderRow[] = orders.map((o) => ({ ...o, status: 'issued', feedback: null, lifted_at: null }));
    await recordAudit(
      trx,
      { at: now },
      issued.map((o) => ({ actor: 'system', action: 'order.issued', entityType: 'order', entityId: o.id, after: { reason: 'consistency-check', department: o.department, measures: o.measures.map((m) => m.code) } })),
    );
    await enqueueOrderEvents(trx, 'order.issued', issued, now);
    return orders.length;
  });
}
