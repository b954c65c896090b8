import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

/**
 * The objection flag of active entries (an objection is a flag, not a state: src/lists/entry-lifecycle.ts). The
 * objections themselves belong to src/procedures; entry views and check answers read only whether one is pending.
 * Returns the entries among these with an objection pending, and since when (the earliest pending one's receipt).
 */
export async function pendingObjectionsOf(q: Q, entryIds: readonly string[]): Promise<Map<string, Date>> {
  if (entryIds.length === 0) return new Map();
  const rows: { entry_id: string; since: Date }[] = await q('objections')
    .select('entry_id')
    .min({ since: 'received_at' })
    .where('status', 'received')
    .whereIn('entry_id', [...new Set(entryIds)])
    .groupBy('entry_id');
  return new Map(rows.map((r) => [r.entry_id, new Date(r.since)]));
}

/** The entry an objection is about, or undefined when there is no such objection. */
export async function entryOfObjection(q: Q, objectionId: string): Promise<string | undefined> {
  const row: { entry_id: string } | undefined = await q('objections')
    .select('entry_id')
    .where({ id: objectionId })
    .first();
  return row?.entry_id;
}
