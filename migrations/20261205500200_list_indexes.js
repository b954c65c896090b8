/**
 * Indexes that serve each list's filters and default sort, so a first page reads about a page of index entries at
 * any size (issue 23; before, a department's overdue page combined two large indexes in a bitmap, 6 s at 1M entries).
 *
 * - orders (department, due_at, id) WHERE status = 'issued': a department's overdue list (due_at, id), and a
 *   department's open orders "overdue first, then due soonest" (issue 20's default order) in one range scan.
 * - orders (due_at, id) WHERE status = 'issued' replaces (due_at): a batch issues thousands of orders with the same
 *   due_at (the end of one China day), so the keyset's id tie-break must be in the index too.
 * - orders (department, status, issued_at, id) and (issued_at, id): /v1/orders filtered by status, and a
 *   supervisor's list of all orders, newest first (issued_at ties the same way).
 * - list_entries (status, created_at, id) and (list_type, status, created_at, id): the entries list by status.
 * - orders_issued_at_idx and orders_feedback_at_idx (the trend's) go: the trend reads order_week_counts now.
 * - webhook_outbox (delivered_at) WHERE status = 'delivered': the outbox retention job's range.
 *
 * On a database already holding millions of orders, each CREATE INDEX takes minutes and blocks writes to its table
 * meanwhile: run this migration in a maintenance window (docs/scaling.md).
 */
exports.up = async (knex) => {
  await knex.raw(`
    create index orders_issued_department_due_idx on orders (department, due_at, id) where status = 'issued';
    create index orders_issued_due_idx on orders (due_at, id) where status = 'issued';
    drop index if exists orders_pending_due_idx;
    create index orders_department_status_idx on orders (department, status, issued_at, id);
    create index orders_issued_at_id_idx on orders (issued_at, id);
    drop index if exists orders_issued_at_idx;
    drop index if exists orders_feedback_at_idx;
    create index list_entries_status_created_idx on list_entries (status, created_at, id);
    create index list_entries_type_status_created_idx on list_entries (list_type, status, created_at, id);
    drop index if exists list_entries_type_status_idx;
    create index webhook_outbox_delivered_idx on webhook_outbox (delivered_at) where status = 'delivered';
  `);
};

exports.down = async (knex) => {
  await knex.raw(`
    drop index if exists webhook_outbox_delivered_idx;
    create index if not exists list_entries_type_status_idx on list_entries (list_type, status, created_at);
    drop index if exists list_entries_type_status_created_idx;
    drop index if exists list_entries_status_created_idx;
    create index if not exists orders_issued_at_idx on orders (issued_at);
    create index if not exists orders_feedback_at_idx on orders ((feedback->>'at')) where feedback is not null;
    drop index if exists orders_issued_at_id_idx;
    drop index if exists orders_department_status_idx;
    create index if not exists orders_pending_due_idx on orders (due_at) where status = 'issued';
    drop index if exists orders_issued_due_idx;
    drop index if exists orders_issued_department_due_idx;
  `);
};
