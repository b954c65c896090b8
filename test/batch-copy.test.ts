import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../src/db/knex';
import { projectRoot } from '../src/paths';
import { generate } from '../scripts/generate';
import { createTestDatabase, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry } from './support/factories';
import { newRowId } from '../src/db/row-id';
import { COPY_WRITER } from '../src/lists/copy-writer';
import type { NewEntryRow } from '../src/lists/list-entry-store';
import { INSERT_WRITER } from '../src/lists/row-writer';

jest.setTimeout(300_000);

type Result = { row: number; status: string; id?: string; alsoActive?: { id: string }[]; errors?: { path: string }[] };
const TABLES = ['list_entries', 'orders', 'restrictions', 'officer_bans', 'audit_log', 'webhook_outbox'];

/**
 * Batch chunks are written with COPY (src/lists/copy-writer.ts), single entries with multi-row INSERTs: the same
 * rows, the same per-row results, the same idempotency, and nothing half-written when the importer is killed.
 */
describe('batch ingestion by COPY', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let mof: { Authorization: string };

  beforeAll(async () => {
    // as the runtime role of docs/operations.md, which may not create temp tables: COPY needs none
    t = await startTestApp({ runtimeRole: true });
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
    // every department gets events: the outbox is written too
    await t.subscribe(t.rules.departments.map((d) => d.code));
  });
  afterAll(() => t.close());

  const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (x) => [x, await t.count(x)])));

  it('runs as a role without TEMPORARY: the bulk path stages nothing', async () => {
    const { rows } = await t.db.raw<{ rows: { temp: boolean; me: string }[] }>(
      "select has_database_privilege(current_database(), 'TEMPORARY') as temp, current_user as me",
    );
    expect(rows[0]?.me).toMatch(/^jp_rt_/);
    expect(rows[0]?.temp).toBe(false);
  });

  it('finds the persons already listed without a GIN pending list to scan (every chunk asks, for 1,000 keys)', async () => {
    // migration 20261206100000 says why: with fast update on, each court chunk scanned up to 4 MB of pending rows
    const { rows } = await t.db.raw<{ rows: { reloptions: string[] | null }[] }>(
      "select reloptions from pg_class where relname = 'list_entries_person_keys_idx'",
    );
    expect(rows[0]?.reloptions).toContain('fastupdate=off');
  });

  it('a chunk of new, repeated, conflicting and revoked sourceRefs: per-row results as before; sent again, nothing changes', async () => {
    // stored before, through the single endpoint (INSERTs)
    const stored = enterpriseEntry();
    const storedId = (await t.http.post('/v1/list-entries').set(samr).send(stored).expect(201)).body.id as string;
    const revoked = enterpriseEntry();
    const revokedId = (await t.http.post('/v1/list-entries').set(samr).send(revoked).expect(201)).body.id as string;
    await t.http
      .post(`/v1/list-entries/${revokedId}/revocation`)
      .set(samr)
      .send({ reason: '列入主体错误', decisionNo: '撤〔2026〕9号' })
      .expect(200);
    // a twin written by INSERTs, to compare with what COPY writes for the same input
    const twin = enterpriseEntry();
    const twinId = (await t.http.post('/v1/list-entries').set(samr).send(twin).expect(201)).body.id as string;

    const copied = { ...twin, sourceRef: `${twin.sourceRef}-COPY` }; // the same subject: alsoActive names the twin
    const fresh = Array.from({ length: 120 }, () => enterpriseEntry());
    const body = [
      copied,
      stored, // unchanged
      { ...stored, reason: '另一个原因' }, // the same sourceRef, other data: rejected naming the field
      revoked, // a revoked entry's sourceRef is refused
      { ...copied }, // repeated inside the chunk: stored once, then unchanged
      ...fresh,
    ];
    const before = await counts();
    const first = await t.http.post('/v1/list-entries/batch').set(samr).send(body).expect(200);
    const results = first.body.results as Result[];
    expect(results.slice(0, 5).map((r) => r.status)).toEqual([
      'created',
      'unchanged',
      'rejected',
      'rejected',
      'unchanged',
    ]);
    expect(results.slice(5).every((r) => r.status === 'created')).toBe(true);
    expect(results[0]?.alsoActive).toEqual([expect.objectContaining({ id: twinId })]);
    expect(results[1]?.id).toBe(storedId);
    expect(results[2]?.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect(results[3]?.errors).toEqual([expect.objectContaining({ path: 'sourceRef' })]);
    expect(results[4]?.id).toBe(results[0]?.id);
    expect(first.body.summary).toEqual({ created: 121, unchanged: 2, rejected: 2 });

    // every table got the rows of the 121 created entries, and only those
    const after = await counts();
    const created = results.flatMap((r) => (r.status === 'created' ? [r.id as string] : []));
    const orders = await t.db('orders').whereIn('entry_id', created);
    expect(after.list_entries - before.list_entries).toBe(121);
    expect(after.orders - before.orders).toBe(orders.length);
    expect(orders.length).toBeGreaterThan(121);
    expect(after.restrictions - before.restrictions).toBe(await countOf(t.db, 'restrictions', created));
    expect(after.officer_bans - before.officer_bans).toBe(await countOf(t.db, 'officer_bans', created));
    // entry.created and orders.issued (one row naming all its orders, ADR 0010) for each created entry
    expect(after.audit_log - before.audit_log).toBe(121 * 2);
    const issuedNamed = await t.db('audit_log').where('action', 'orders.issued').whereIn('entity_id', created);
    expect(
      issuedNamed.flatMap((a) => (a.after as { orders: { id: string }[] }).orders.map((o) => o.id)).sort(),
    ).toEqual(orders.map((o) => o.id).sort());
    expect(after.webhook_outbox - before.webhook_outbox).toBe(orders.length);

    // COPY wrote what the INSERTs wrote for the twin (ids and sourceRefs aside)
    const copiedId = results[0]?.id as string;
    expect(await rowsOf(t.db, copiedId)).toEqual(await rowsOf(t.db, twinId));
    // and the subject index knows the new subjects (no check answers them clean)
    const uscc = ((fresh[7] as (typeof fresh)[number]).subject as { uscc: string }).uscc;
    expect((await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(true);

    // sent again: every created row is unchanged, the rejections stay, and no table gains a row
    const again = await t.http.post('/v1/list-entries/batch').set(samr).send(body).expect(200);
    const second = again.body.results as Result[];
    expect(second.map((r) => r.status)).toEqual(results.map((r) => (r.status === 'created' ? 'unchanged' : r.status)));
    expect(second.map((r) => r.id)).toEqual(results.map((r) => r.id));
    expect(await counts()).toEqual(after);
  });

  it('a removal chunk is set-based and leaves what single removals leave; sent again, nothing changes', async () => {
    // endEntries (src/lists/entry-lifecycle.ts) ends a chunk in a few statements; one removal through the single
    // endpoint is the reference: the same order states, audit rows and events for its twin removed in a chunk
    const twin = enterpriseEntry();
    const others = Array.from({ length: 40 }, () => enterpriseEntry());
    const copied = { ...twin, sourceRef: `${twin.sourceRef}-COPY` };
    const created = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send([twin, copied, ...others])
      .expect(200);
    const [twinId, copiedId, ...otherIds] = (created.body.results as Result[]).map((r) => r.id as string);
    const removal = { reason: '已补报年度报告并公示，申请移出', decisionNo: '测移〔2026〕7号' };
    await t.http.post(`/v1/list-entries/${twinId}/removal`).set(samr).send(removal).expect(200);

    const before = await counts();
    const body = [copied, ...others].map((e) => ({ sourceRef: e.sourceRef, ...removal }));
    const res = await t.http.post('/v1/list-entries/removals/batch').set(samr).send(body).expect(200);
    expect(res.body.summary).toEqual({ removed: 41, unchanged: 0, rejected: 0 });
    expect((res.body.results as Result[]).map((r) => r.id)).toEqual([copiedId, ...otherIds]);

    // each entry removed with its record, each of its orders lifted, one audit row for it and one per order, and
    // order.lifted for each order (every department has a webhook here)
    const ids = [copiedId as string, ...otherIds];
    const orders = await t.db('orders').whereIn('entry_id', ids);
    expect(orders.length).toBeGreaterThan(41);
    expect(orders.every((o) => o.status === 'lifted')).toBe(true);
    const entries = await t.db('list_entries').whereIn('id', ids);
    expect(entries.map((e) => [e.status, (e.removal as { decisionNo: string }).decisionNo])).toEqual(
      ids.map(() => ['removed', removal.decisionNo]),
    );
    const after = await counts();
    expect(after.audit_log - before.audit_log).toBe(41 + orders.length);
    expect(after.webhook_outbox - before.webhook_outbox).toBe(orders.length);
    expect(after.list_entries).toBe(before.list_entries);
    // each order.lifted event carries the order's measures as its order.issued event did (rebuilt for the
    // announced orders alone: src/webhooks/outbox.ts enqueueEndedOrderEvents)
    const measuresOf = async (type: string) =>
      new Map(
        (
          await t
            .db('webhook_outbox')
            .where('type', type)
            .whereIn(
              'order_id',
              orders.map((o) => o.id),
            )
        ).map((e) => [e.order_id, (e.data as { order: { measures: unknown[] } }).order.measures]),
      );
    const issuedMeasures = await measuresOf('order.issued');
    const liftedMeasures = await measuresOf('order.lifted');
    expect(liftedMeasures.size).toBe(orders.length);
    for (const [id, measures] of liftedMeasures) {
      expect(measures.length).toBeGreaterThan(0);
      expect(measures).toEqual(issuedMeasures.get(id));
    }
    // the twin's rows, as the single removal left them, ids aside
    expect(await rowsOf(t.db, copiedId as string)).toEqual(await rowsOf(t.db, twinId as string));

    const again = await t.http.post('/v1/list-entries/removals/batch').set(samr).send(body).expect(200);
    expect(again.body.summary).toEqual({ removed: 0, unchanged: 41, rejected: 0 });
    expect(await counts()).toEqual(after);
  });

  it('a removal chunk lifts the orders of each entry with its own ground, in the events too (CSV 移出依据)', async () => {
    const [a, b, c] = [enterpriseEntry(), enterpriseEntry(), enterpriseEntry()];
    const created = await t.http.post('/v1/list-entries/batch').set(samr).send([a, b, c]).expect(200);
    const ids = (created.body.results as Result[]).map((r) => r.id as string);
    // a Chinese header, the ground column among them; c names no ground
    const csv = [
      '来源编号,列入原因,决定文书号,移出依据',
      `${a.sourceRef},已补报年度报告,测移〔2026〕11号,performed`,
      `${b.sourceRef},异议成立,测移〔2026〕12号,objection_upheld`,
      `${c.sourceRef},其他原因,测移〔2026〕13号,`,
      '',
    ].join('\r\n');
    const res = await t.http
      .post('/v1/list-entries/removals/batch')
      .set(samr)
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    expect(res.body.summary).toEqual({ removed: 3, unchanged: 0, rejected: 0 });
    const grounds = ['performed', 'objection_upheld', null];
    for (const [i, id] of ids.entries()) {
      const orders = await t.db('orders').where({ entry_id: id });
      expect(orders.length).toBeGreaterThan(0);
      expect(orders.map((o) => [o.status, o.end_ground])).toEqual(orders.map(() => ['lifted', grounds[i]]));
      const events = await t
        .db('webhook_outbox')
        .where('type', 'order.lifted')
        .whereIn(
          'order_id',
          orders.map((o) => o.id),
        );
      expect(events.map((e) => (e.data as { ground?: string }).ground ?? null)).toEqual(orders.map(() => grounds[i]));
      const entry = await t.db('list_entries').where({ id }).first();
      expect((entry?.removal as { ground?: string } | undefined)?.ground ?? null).toBe(grounds[i]);
    }
    // a ground that is not one is the row's error, named as the file names it
    const bad = await t.http
      .post('/v1/list-entries/removals/batch')
      .set(samr)
      .send([{ sourceRef: a.sourceRef, reason: '其他', decisionNo: '测移〔2026〕14号', ground: 'paid' }])
      .expect(200);
    expect(bad.body.results[0].errors.map((e: { path: string }) => e.path)).toEqual(['ground']);
  });

  it('a removal file names its reason and decision as a removal does (移出原因, 移出决定文书号)', async () => {
    const e = enterpriseEntry();
    await t.http.post('/v1/list-entries/batch').set(samr).send([e]).expect(200);
    const post = (csv: string) =>
      t.http.post('/v1/list-entries/removals/batch').set(samr).set('Content-Type', 'text/csv').send(csv);
    const res = await post(
      `来源编号,移出原因,移出决定文书号\r\n${e.sourceRef},已履行法定义务,测移〔2026〕21号\r\n`,
    ).expect(200);
    expect(res.body.summary).toEqual({ removed: 1, unchanged: 0, rejected: 0 });
    const entry = await t.db('list_entries').where({ source_ref: e.sourceRef }).first();
    expect(entry?.removal).toMatchObject({ reason: '已履行法定义务', decisionNo: '测移〔2026〕21号' });
    // a removal file without its reason is told the removal's name for the column, not the listing's
    const missing = await post(`来源编号,移出决定文书号\r\n${e.sourceRef},测移〔2026〕22号\r\n`).expect(400);
    expect(missing.body.errors.map((x: { message: string }) => x.message).join('；')).toContain('移出原因（reason）');
    // and so is a row whose reason is empty: its message names the removal's reason, not the listing's
    const e2 = enterpriseEntry();
    await t.http.post('/v1/list-entries/batch').set(samr).send([e2]).expect(200);
    const empty = await post(`来源编号,移出原因,移出决定文书号\r\n${e2.sourceRef},,测移〔2026〕23号\r\n`).expect(200);
    expect(empty.body.summary).toEqual({ removed: 0, unchanged: 0, rejected: 1 });
    const [rowError] = empty.body.results[0].errors as { path: string; message: string }[];
    expect(rowError?.path).toBe('reason');
    expect(rowError?.message).toContain('移出原因');
    expect(rowError?.message).not.toContain('列入原因');
  });

  /** An entry row as writeEntries builds it: text with tabs, quotes and line breaks, jsonb and arrays. */
  const row = (sourceRef: string, over: Partial<NewEntryRow> = {}): NewEntryRow => ({
    id: newRowId(),
    list_type: 'dishonest_debtor',
    authority: 'spc',
    source_ref: sourceRef,
    subject_kind: 'person',
    uscc: null,
    subject_name: '张三',
    person_keys: ['k1', 'k"2\\'],
    persons: [{ role: 'subject', personKey: 'k1', masked: '110105********1234', name: '张三' }],
    subject: { kind: 'person', name: '张三', idNumberMasked: '110105********1234' },
    related_persons: [{ role: 'legal_representative', name: '李四\t"引号"', idNumberMasked: '1101**' }],
    reason: '有履行能力而拒不履行\n生效法律文书确定义务',
    decision_no: '(2026)京0105执1号',
    decided_at: '2026-03-01',
    expires_at: null,
    listing_ground: 'refuses_to_perform',
    rules_version: 'test',
    created_by: 'test',
    created_at: new Date('2026-03-02T01:02:03.456Z'),
    status: 'active',
    removal: null,
    revocation: null,
    ended_at: null,
    ...over,
  });
  it('both writers return the rows they stored exactly as a read gives them back, and only those', async () => {
    // writeEntries keeps the rows it built instead of reading them back (src/lists/list-entry-store.ts insertedRows):
    // they must be what `select *` reads, column for column, or audit rows and answers would differ by writer
    for (const [name, writer] of [
      ['INSERT', INSERT_WRITER],
      ['COPY', COPY_WRITER],
    ] as const) {
      const taken = row(`ROWS-${name}-TAKEN`);
      await t.db.transaction((trx) => writer.entriesIfNew(trx, [taken]));
      const rows = [
        row(`ROWS-${name}-1`),
        row(`ROWS-${name}-2`, { status: 'expired', expires_at: '2026-09-01', persons: null, related_persons: [] }),
        row(`ROWS-${name}-TAKEN`), // stored before: not returned
      ];
      const returned = await t.db.transaction((trx) => writer.entriesIfNew(trx, rows));
      const read = await t
        .db('list_entries')
        .whereIn(
          'id',
          returned.map((r) => r.id),
        )
        .orderBy('source_ref');
      expect(returned.map((r) => r.source_ref)).toEqual([`ROWS-${name}-1`, `ROWS-${name}-2`]);
      expect(returned).toEqual(read.map(({ name_pairs, updated_at, ...r }) => r));
    }
  });

  it('a sourceRef stored by another writer between the lookup and the COPY: the chunk waits, then stores the rest', async () => {
    // COPY has no ON CONFLICT (src/lists/copy-writer.ts): the other writer's row makes the COPY fail on the unique
    // key once that writer commits, and the chunk must then store its other rows, not fail or store a twin
    const other = await t.db.transaction();
    const theirs = row('RACE-1');
    await INSERT_WRITER.entriesIfNew(other, [theirs]); // not committed yet: invisible to the chunk's lookup
    const chunk = t.db.transaction((trx) => COPY_WRITER.entriesIfNew(trx, [row('RACE-1'), row('RACE-2')]));
    // the chunk's COPY waits on the unique key for the other transaction
    for (let waiting = false; !waiting; ) {
      await new Promise((r) => setTimeout(r, 20));
      const { rows } = await t.db.raw<{ rows: unknown[] }>(
        "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'copy \"list_entries\"%'",
      );
      waiting = rows.length > 0;
    }
    await other.commit();
    const returned = await chunk;
    expect(returned.map((r) => r.source_ref)).toEqual(['RACE-2']);
    const stored = await t.db('list_entries').whereIn('source_ref', ['RACE-1', 'RACE-2']).orderBy('source_ref');
    expect(stored.map((r) => [r.source_ref, r.id])).toEqual([
      ['RACE-1', theirs.id],
      ['RACE-2', returned[0]?.id],
    ]);
  });

  it('kill -9 of the import CLI mid-file leaves whole chunks only: re-run, it stores what one clean run stores', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-copy-kill-'));
    const files = await generate({
      today: new Date().toISOString().slice(0, 10),
      entries: 1500,
      out: path.join(dir, 'entries.csv'),
      authority: 'samr',
      format: 'csv',
      removals: 0,
      seed: 7,
    });
    const file = files.entries.samr as string;
    const killed = await createTestDatabase();
    const clean = await createTestDatabase();
    const dbKilled = createDb(killed.url, { max: 2 });
    const dbClean = createDb(clean.url, { max: 2 });
    try {
      // killed as soon as some chunks are committed, while others are being written
      const child = importer(killed.url, file);
      await waitFor(async () => (await countOf(dbKilled, 'list_entries')) > 0, 120_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const partial = await countOf(dbKilled, 'list_entries');
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(1500);
      // no entry without its audit row, no order without its own (a chunk is one transaction); the re-run below
      // skips every stored entry, so a half-written one would show as a difference from the clean run
      expect(await orphans(dbKilled)).toEqual({ withoutAudit: 0, ordersWithoutAudit: 0 });

      expect(await exitCode(importer(killed.url, file))).toBe(0);
      expect(await exitCode(importer(clean.url, file))).toBe(0);
      expect(await shapeOf(dbKilled)).toEqual(await shapeOf(dbClean));
      expect(await countOf(dbKilled, 'list_entries')).toBe(1500);
    } finally {
      await dbKilled.destroy();
      await dbClean.destroy();
      await killed.drop();
      await clean.drop();
    }
  });
});

async function countOf(db: Db, table: string, entryIds?: string[]): Promise<number> {
  const q = db(table).count({ n: '*' });
  if (entryIds) q.whereIn(table === 'list_entries' ? 'id' : 'entry_id', entryIds);
  return Number((await q)[0]?.n);
}

/** An entry's orders, restrictions, bans, audit rows and events, without ids and times that differ by design. */
async function rowsOf(db: Db, entryId: string) {
  const orders = await db('orders').where({ entry_id: entryId }).orderBy('department');
  const orderIds = orders.map((o) => o.id);
  const byDept = (rows: object[]) =>
    rows
      .map((r) => {
        const { id, entry_id, order_id, ...rest } = r as Record<string, unknown>;
        return rest;
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const audit = await db('audit_log')
    .whereIn('entity_id', [entryId, ...orderIds])
    .orderBy('id')
    .select('action', 'actor', 'after');
  const events = await db('webhook_outbox').whereIn('order_id', orderIds).select('department', 'type', 'data');
  return {
    orders: byDept(orders),
    restrictions: byDept(await db('restrictions').where({ entry_id: entryId })),
    bans: byDept(await db('officer_bans').where({ entry_id: entryId })),
    audit: audit.map((a) => ({ ...a, after: scrub(a.after) })),
    events: events
      .map((e) => ({ ...e, data: scrub(e.data) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

/** Ids and sourceRefs replaced (they differ between the twin and the copy by construction). */
function scrub(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (['id', 'entryId', 'sourceRef', 'alsoActive'].includes(k) ? '*' : x)));
}

function importer(url: string, file: string) {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(projectRoot, 'src/cli/import.ts'),
      '--authority',
      'samr',
      '--chunk',
      '100',
      '--quiet',
      file,
    ],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        DATABASE_URL: url,
        LOG_LEVEL: 'warn',
        ID_HASH_KEY: 'test-id-hash-key-0123456789abcdef0123',
        WEBHOOK_SECRET_KEY: 'test-webhook-secret-key-0123456789abcdef',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

const exitCode = (child: ReturnType<typeof spawn>) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

async function waitFor(ok: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function orphans(db: Db) {
  const one = async (sql: string) => Number((await db.raw(sql)).rows[0].n);
  return {
    withoutAudit: await one(`select count(*) as n from list_entries e where not exists
      (select 1 from audit_log a where a.entity_type = 'list_entry' and a.entity_id = e.id::text)`),
    // an order's issue is in its entry's orders.issued row (ADR 0010)
    ordersWithoutAudit: await one(`select count(*) as n from orders o where not exists
      (select 1 from audit_log a where a.entity_type = 'list_entry' and a.entity_id = o.entry_id::text
          and a.action = 'orders.issued' and a.after @> jsonb_build_object('orders', jsonb_build_array(
            jsonb_build_object('id', o.id::text))))`),
  };
}

/** What a database holds per sourceRef: how many orders, restrictions, bans and audit rows each entry has. */
async function shapeOf(db: Db) {
  const { rows } = await db.raw(`
    select e.source_ref,
           (select count(*) from orders o where o.entry_id = e.id)::int as orders,
           (select count(*) from restrictions r where r.entry_id = e.id)::int as restrictions,
           (select count(*) from officer_bans b where b.entry_id = e.id)::int as bans,
           (select count(*) from audit_log a where a.entity_id = e.id::text
              or a.entity_id in (select o.id::text from orders o where o.entry_id = e.id))::int as audit
      from list_entries e order by e.source_ref`);
  return rows;
}
