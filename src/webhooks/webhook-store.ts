import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { WebhookRecord } from '../db/tables';

/** Where a department's events go (the sealed secret stays in the store and the delivery worker). */
export interface WebhookTarget {
  department: string;
  url: string;
  createdAt: Date;
  updatedAt: Date;
}

/** webhooks, on the primary: a registration is a write, and the delivery worker reads what was registered. */
export class WebhookStore {
  constructor(private readonly primary: Db) {}

  /** A writing transaction on the primary; the methods taking `trx` run inside one. */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.primary.transaction(work);
  }

  async upsert(
    trx: Knex.Transaction,
    row: Pick<WebhookRecord, 'department' | 'url' | 'secret_sealed' | 'updated_by' | 'created_at' | 'updated_at'>,
  ): Promise<WebhookTarget> {
    const [stored] = await trx('webhooks')
      .insert(row)
      .onConflict('department')
      .merge(['url', 'secret_sealed', 'updated_by', 'updated_at'])
      .returning(['department', 'url', 'created_at', 'updated_at']);
    if (!stored) throw new Error('webhooks: the upsert returned no row');
    return {
      department: stored.department,
      url: stored.url,
      createdAt: stored.created_at,
      updatedAt: stored.updated_at,
    };
  }
}

/** Departments that receive events now: only these get outbox rows (read in the writer's transaction). */
export async function departmentsWithWebhooks(q: Knex | Knex.Transaction): Promise<Set<string>> {
  return new Set((await q('webhooks').select('department')).map((r) => r.department));
}
