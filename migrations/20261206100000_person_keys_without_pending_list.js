// @ts-check
/**
 * Issue 23, ingestion at national volume. Every chunk of a batch asks which of its subjects are already active on
 * the same list (`otherActiveEntries`, src/lists/list-entry-store.ts): for a chunk of 1,000 person debtors that is
 * `person_keys && <1,000 keys>` on this GIN index. With GIN's fast update, new rows wait in a pending list (up to
 * gin_pending_list_limit, 4 MB: ~50,000 entries) that every such query scans in full, matching each pending row
 * against every key: 330–435 ms per court chunk with 300,000 entries loaded, against ~5 ms for an enterprise chunk
 * (statement log), 557 ms → 10 ms for one such query once the list was flushed. An import keeps the list full, so
 * the cost came back every chunk. Without fast update each row's 1–3 keys go into the index as it is written; the
 * court's 6,931 person debtors onto 300,000 took 9.8–10.5 s before and 7.9–8.6 s after (measured, docs/benchmarks.md).
 * The name-search index keeps its pending list: it is read by searches, not by every write, and an enterprise row
 * brings it ~20 pairs to insert.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.raw('alter index list_entries_person_keys_idx set (fastupdate = off)');
  // what is pending now is moved into the index at once, not at the next vacuum
  await knex.raw("select gin_clean_pending_list('list_entries_person_keys_idx')");
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.raw('alter index list_entries_person_keys_idx reset (fastupdate)');
};
