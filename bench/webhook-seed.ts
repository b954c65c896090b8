import type { Db } from '../src/db/knex';

/**
 * Queues `perDepartment` order.issued events for each department, interleaved in seq order as an import that
 * issues orders to all of them would queue them. The data is an order of the size the service sends (three
 * measures with their legal basis, ~1.4 KB of JSON): delivery cost depends on the body, not on where it came from.
 */
export async function seedOutbox(
  db: Db,
  departments: readonly string[],
  perDepartment: number,
  at: Date,
): Promise<void> {
  const step = 10_000;
  for (let from = 1; from <= perDepartment; from += step) {
    const to = Math.min(perDepartment, from + step - 1);
    await db.raw(
      `insert into webhook_outbox (id, department, type, order_id, occurred_at, data, next_attempt_at)
       select gen_random_uuid(), d, 'order.issued', oid, ?, jsonb_build_object('order', jsonb_build_object(
                'id', oid, 'entryId', gen_random_uuid(), 'listType', 'serious_violation', 'department', d,
                'status', 'issued', 'issuedAt', ?::text, 'dueAt', ?::text, 'overdue', false,
                'feedback', null, 'liftedAt', null,
                'measures', (select jsonb_agg(jsonb_build_object(
                    'code', d || '.measure.' || m, 'title', repeat('依法限制参与政府采购活动', 4),
                    'basis', jsonb_build_array(jsonb_build_object('document', repeat('关于对严重违法失信企业实施联合惩戒的合作备忘录', 2),
                                                                  'article', '第三条第' || m || '项')),
                    'scenarios', jsonb_build_array('procurement', 'bidding'))) from generate_series(1, 3) m))), ?
         from generate_series(?::int, ?::int) i, unnest(?::text[]) d, lateral (select gen_random_uuid() as oid) o
        order by i, d`,
      [at, at.toISOString(), new Date(at.getTime() + 14 * 86_400_000).toISOString(), at, from, to, [...departments]],
    );
  }
  await db.raw('analyze webhook_outbox');
}

/** Subscribes each department to `urlOf(department)` with an already sealed secret. */
export async function seedWebhooks(
  db: Db,
  departments: readonly string[],
  urlOf: (d: string) => string,
  sealed: string,
  at: Date,
): Promise<void> {
  for (const d of departments) {
    await db('webhooks')
      .insert({
        department: d,
        url: urlOf(d),
        secret_sealed: sealed,
        updated_by: 'bench',
        created_at: at,
        updated_at: at,
      })
      .onConflict('department')
      .merge(['url', 'secret_sealed', 'updated_at']);
  }
}
