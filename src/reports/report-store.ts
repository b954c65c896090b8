import type { Knex } from 'knex';

export interface DepartmentCounts {
  department: string;
  issued: number;
  implemented: number;
  not_applicable: number;
  pending: number;
  overdue: number;
  lifted: number;
}

export async function feedbackCounts(q: Knex, now: Date): Promise<DepartmentCounts[]> {
  const { rows } = await q.raw<{ rows: DepartmentCounts[] }>(
    `select department,
            count(*)::int                                                   as issued,
            count(*) filter (where status = 'implemented')::int             as implemented,
            count(*) filter (where status = 'not_applicable')::int          as not_applicable,
            count(*) filter (where status = 'issued')::int                  as pending,
            count(*) filter (where status = 'issued' and due_at < :now)::int as overdue,
            count(*) filter (where status = 'lifted')::int                  as lifted
       from orders
      group by department`,
    { now },
  );
  return rows;
}
