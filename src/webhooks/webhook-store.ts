import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export interface WebhookRow {
  department: string;
  url: string;
  secret_sealed: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

export async function upsertWebhook(
  q: Q,
  row: Omit<WebhookRow, 'created_at'> & { created_at: Date },
): Promise<WebhookRow> {
  const [stored] = await q('webhooks')
    .insert(row)
    .onConflict('department')
    .merge(['url', 'secret_sealed', 'updated_by', 'updated_at'])
    .returning('*');
  return stored as WebhookRow;
}

/** Departments that receive events now: only these get outbox rows. */
export async function departmentsWithWebhooks(q: Q): Promise<Set<string>> {
  return new Set((await q('webhooks').select('department')).map((r: { department: string }) => r.department));
}
