import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import pg from 'pg';
import { rowsFromCsv } from '../src/batch/batch-input';
import type { ListEntryInput } from '../src/lists/entry-input';
import type { EntryPlanner } from '../src/lists/entry-planner';
import { measureSetJson, untilsOf } from '../src/orders/measure-sets';

/**
 * The physical limit for ingestion: the same entry and order rows the import writes, built with the same
 * normalisation and rules (not timed), inserted with plain multi-row INSERTs, 2,000 entries per transaction.
 * Only the database time counts: no audit, no restrictions, no outbox, no idempotency check, no JS query builder.
 */
export async function rawInsert(
  url: string,
  planner: EntryPlanner,
  files: Record<string, string>,
  limit = Infinity,
): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let timed = 0n;
  let rows = 0;
  const now = new Date();
  // orders name their measure set (migration 20261205600000); the sets are written before the timing, as few as they are
  const sets = new Map<string, number>();
  const setIdOf = async (json: string): Promise<number> => {
    let id = sets.get(json);
    if (id === undefined) {
      const digest = "sha256(convert_to($1::jsonb::text, 'UTF8'))";
      await client.query(
        `insert into measure_sets (digest, measures) values (${digest}, $1) on conflict (digest) do nothing`,
        [json],
      );
      const found = await client.query<{ id: number }>(`select id from measure_sets where digest = ${digest}`, [json]);
      id = found.rows[0]?.id as number;
      sets.set(json, id);
    }
    return id;
  };
  for (const [authority, file] of Object.entries(files)) {
    let chunk: ListEntryInput[] = [];
    const flush = async () => {
      const entryRows: unknown[][] = [];
      const orderRows: unknown[][] = [];
      for (const input of chunk) {
        const { normalised, plan } = await planner.plan(input);
        const id = randomUUID();
        entryRows.push([
          id,
          input.listType,
          authority,
          input.sourceRef,
          input.subject.kind,
          normalised.uscc,
          normalised.subjectName,
          normalised.personKeys,
          JSON.stringify(normalised.display.subject),
          JSON.stringify(normalised.display.relatedPersons),
          input.reason,
          input.decisionNo,
          input.decidedAt,
          input.expiresAt ?? null,
          'raw',
          authority,
          now,
          now,
        ]);
        for (const o of plan.orders) {
          const set = await setIdOf(measureSetJson(o.measures));
          orderRows.push([randomUUID(), id, input.listType, o.department, set, untilsOf(o.measures), now, now, now]);
        }
      }
      const t0 = process.hrtime.bigint();
      await client.query('begin');
      await insertValues(
        client,
        'list_entries',
        [
          'id',
          'list_type',
          'authority',
          'source_ref',
          'subject_kind',
          'uscc',
          'subject_name',
          'person_keys',
          'subject',
          'related_persons',
          'reason',
          'decision_no',
          'decided_at',
          'expires_at',
          'rules_version',
          'created_by',
          'created_at',
          'updated_at',
        ],
        entryRows,
      );
      await insertValues(
        client,
        'orders',
        [
          'id',
          'entry_id',
          'list_type',
          'department',
          'measure_set_id',
          'measure_untils',
          'issued_at',
          'due_at',
          'updated_at',
        ],
        orderRows,
      );
      await client.query('commit');
      timed += process.hrtime.bigint() - t0;
      rows += chunk.length;
      chunk = [];
    };
    for await (const r of rowsFromCsv('entries', createReadStream(file))) {
      if (rows + chunk.length >= limit) break;
      chunk.push(r.input as ListEntryInput);
      if (chunk.length >= 2000) await flush();
    }
    if (chunk.length) await flush();
  }
  await client.end();
  return { rows, seconds: Number(timed) / 1e9 };
}

async function insertValues(client: pg.Client, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const perStatement = Math.floor(65_000 / columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const slice = rows.slice(i, i + perStatement);
    const values: unknown[] = [];
    const tuples = slice.map((r) => `(${r.map((v) => (values.push(v), `$${values.length}`)).join(',')})`);
    await client.query(`insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}`, values);
  }
}
