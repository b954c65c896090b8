import { createDb, type Db } from '../src/db/knex';
import { copyRows } from '../src/db/copy-rows';
import { createTestDatabase } from './support/test-app';

/**
 * copyRows encodes rows into ~64 KB buffers as it makes them (src/db/copy-rows.ts), a line too long for one in a
 * buffer of its own. What PostgreSQL reads back must be exactly what was given, wherever the buffers end.
 */
describe('copyRows (COPY text format)', () => {
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = createDb(t.url, { max: 1 });
    await db.raw(`create table copied (n int primary key, t text, j jsonb, a text[], d timestamptz, b boolean)`);
  });
  afterAll(async () => {
    await db.destroy();
    await drop();
  });

  const readBack = async () =>
    (
      await db.raw<{
        rows: { n: number; t: string | null; j: unknown; a: string[] | null; d: Date | null; b: boolean }[];
      }>('select n, t, j, a, d, b from copied order by n')
    ).rows;

  it('stores every value as given across buffer edges: multibyte text, escapes, nulls, arrays, JSON, instants', async () => {
    // ~3,000 rows of Chinese text and escapes: several buffers, each ending somewhere else
    const rows = Array.from({ length: 3000 }, (_, n) => ({
      n,
      t: n % 97 === 0 ? null : `第${n}行\t制表\n换行\\反斜杠\r回车${'诚信'.repeat(n % 13)}`,
      j: JSON.stringify({ name: `主体${n}`, note: 'tab\there', n }),
      a: n % 5 === 0 ? null : [`甲${n}`, 'with "quote"', 'back\\slash', null],
      d: new Date(Date.UTC(2026, 11, 6, 0, 0, n)),
      b: n % 2 === 0,
    }));
    await db.transaction((trx) => copyRows(trx, 'copied', rows));
    const back = await readBack();
    expect(back).toHaveLength(rows.length);
    back.forEach((r, i) => {
      const want = rows[i] as (typeof rows)[number];
      expect(r).toEqual({ ...want, j: JSON.parse(want.j) });
    });
  });

  it('stores a single field longer than a buffer whole', async () => {
    await db('copied').del();
    const long = '长'.repeat(70_000) + '\t尾';
    await db.transaction((trx) =>
      copyRows(trx, 'copied', [
        { n: 1, t: 'before', j: null, a: [], d: null, b: true },
        { n: 2, t: long, j: null, a: [long], d: null, b: false },
        { n: 3, t: '', j: null, a: [''], d: null, b: true },
      ]),
    );
    const back = await readBack();
    expect(back.map((r) => [r.n, r.t, r.a])).toEqual([
      [1, 'before', []],
      [2, long, [long]],
      [3, '', ['']],
    ]);
  });
});
