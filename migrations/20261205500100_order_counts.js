/**
 * The counts behind /v1/reports/feedback, /v1/reports/trend, the dashboard overview and the jp_orders gauges, kept
 * as orders change instead of counted by scanning every order (issue 23: 10 s at 1M entries, linear).
 *
 * - order_count_deltas / order_week_deltas: appended by statement-level triggers on orders, in the writing
 *   transaction (one row per changed group per statement, the net change of the statement). Append-only, so
 *   concurrent writers never wait on each other for a counter row, and no deadlock is possible.
 * - order_counts / order_week_counts: the compacted totals. The compact-order-counts job (every minute, one instance
 *   at a time) moves the deltas into them in one statement; readers add both, in one statement (one snapshot), so a
 *   compaction is never seen half-done.
 *
 * order_counts is per department, list, status, due day and escalated; generic over the status text (a new status,
 * e.g. `revoked`, needs nothing here). Only the open state 'issued' keeps its due day and escalation (what "overdue"
 * and "escalated" are computed from); every other status folds them to 1970-01-01 / false, so the table stays
 * small. order_week_counts is per department, list, China week (Monday) and kind: issued (by issued_at) and fed_back
 * (by feedback.at).
 *
 * orders.escalation_level (0, 1, 2) is kept by a trigger on escalations: an escalation becomes an update of its
 * order row, so a concurrent feedback and escalation serialize on that row and the counts move exactly once.
 */
const DIMS = 'department, list_type, status, due_day, escalated';
const STATE_OF = (t, sign) => `
  select department, list_type, status,
         case when status = 'issued' then (due_at at time zone 'Asia/Shanghai')::date else date '1970-01-01' end,
         status = 'issued' and escalation_level > 0, ${sign} from ${t}`;
const WEEK = (ts) => `date_trunc('week', (${ts}) at time zone 'Asia/Shanghai')::date`;
const WEEKS_OF = (t, sign) => `
  select department, list_type, ${WEEK('issued_at')}, 'issued', ${sign} from ${t}
  union all
  select department, list_type, ${WEEK("(feedback->>'at')::timestamptz")}, 'fed_back', ${sign} from ${t}
   where feedback->>'at' is not null`;

exports.up = async (knex) => {
  await knex.raw(`
    alter table orders add column escalation_level smallint not null default 0;
    comment on column orders.escalation_level is 'highest escalation of this order (0 none), kept by a trigger on escalations';
    update orders o set escalation_level = e.level
      from (select order_id, max(level) as level from escalations group by order_id) e where o.id = e.order_id;

    create function escalations_to_orders() returns trigger language plpgsql as $$
    begin
      update orders o set escalation_level = m.level
        from (select order_id, max(level) as level from new_rows group by order_id) m
       where o.id = m.order_id and o.escalation_level < m.level;
      return null;
    end $$;
    create trigger escalations_to_orders after insert on escalations
      referencing new table as new_rows for each statement execute function escalations_to_orders();

    create table order_counts (
      department text not null, list_type text not null, status text not null,
      due_day date not null, escalated boolean not null, n bigint not null,
      primary key (${DIMS})
    );
    create table order_count_deltas (
      department text not null, list_type text not null, status text not null,
      due_day date not null, escalated boolean not null, n bigint not null
    );
    create table order_week_counts (
      week_start date not null, department text not null, list_type text not null, kind text not null,
      n bigint not null,
      primary key (week_start, department, list_type, kind)
    );
    create table order_week_deltas (
      week_start date not null, department text not null, list_type text not null, kind text not null,
      n bigint not null
    );
    comment on table order_counts is 'orders by department, list, status, due day (issued only), escalated; plus order_count_deltas';
    comment on table order_week_counts is 'orders issued and fed back per China week; plus order_week_deltas';

    insert into order_counts (${DIMS}, n)
      select ${DIMS}, sum(n) from (${STATE_OF('orders', 1)}) s (${DIMS}, n) group by ${DIMS};
    insert into order_week_counts (department, list_type, week_start, kind, n)
      select department, list_type, week_start, kind, sum(n)
        from (${WEEKS_OF('orders', 1)}) s (department, list_type, week_start, kind, n)
       group by 1, 2, 3, 4;

    create function orders_to_counts() returns trigger language plpgsql as $$
    begin
      if TG_OP = 'INSERT' then
        insert into order_count_deltas (${DIMS}, n)
          select ${DIMS}, sum(n) from (${STATE_OF('new_rows', 1)}) s (${DIMS}, n) group by ${DIMS};
        insert into order_week_deltas (department, list_type, week_start, kind, n)
          select department, list_type, week_start, kind, sum(n)
            from (${WEEKS_OF('new_rows', 1)}) s (department, list_type, week_start, kind, n) group by 1, 2, 3, 4;
      elsif TG_OP = 'UPDATE' then
        insert into order_count_deltas (${DIMS}, n)
          select ${DIMS}, sum(n) from (${STATE_OF('new_rows', 1)} union all ${STATE_OF('old_rows', -1)}) s (${DIMS}, n)
           group by ${DIMS} having sum(n) <> 0;
        insert into order_week_deltas (department, list_type, week_start, kind, n)
          select department, list_type, week_start, kind, sum(n)
            from (${WEEKS_OF('new_rows', 1)} union all ${WEEKS_OF('old_rows', -1)}) s (department, list_type, week_start, kind, n)
           group by 1, 2, 3, 4 having sum(n) <> 0;
      else
        insert into order_count_deltas (${DIMS}, n)
          select ${DIMS}, sum(n) from (${STATE_OF('old_rows', -1)}) s (${DIMS}, n) group by ${DIMS};
        insert into order_week_deltas (department, list_type, week_start, kind, n)
          select department, list_type, week_start, kind, sum(n)
            from (${WEEKS_OF('old_rows', -1)}) s (department, list_type, week_start, kind, n) group by 1, 2, 3, 4;
      end if;
      return null;
    end $$;
    create trigger orders_counts_insert after insert on orders
      referencing new table as new_rows for each statement execute function orders_to_counts();
    create trigger orders_counts_update after update on orders
      referencing old table as old_rows new table as new_rows for each statement execute function orders_to_counts();
    create trigger orders_counts_delete after delete on orders
      referencing old table as old_rows for each statement execute function orders_to_counts();
  `);
};

exports.down = async (knex) => {
  await knex.raw(`
    drop trigger if exists orders_counts_delete on orders;
    drop trigger if exists orders_counts_update on orders;
    drop trigger if exists orders_counts_insert on orders;
    drop function if exists orders_to_counts();
    drop table if exists order_week_deltas, order_week_counts, order_count_deltas, order_counts;
    drop trigger if exists escalations_to_orders on escalations;
    drop function if exists escalations_to_orders();
    alter table orders drop column if exists escalation_level;
  `);
};
