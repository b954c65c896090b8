import { keysetBatches } from '../../src/db/keyset';

// An in-memory table: ids in uuid form, so string order is id order as in PostgreSQL.
const ids = Array.from({ length: 7 }, (_, i) => `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`);
const readFrom = (table: { id: string }[]) => async (after: string, limit: number) =>
  table.filter((r) => r.id > after).slice(0, limit);

async function collect<T>(batches: AsyncGenerator<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe('keysetBatches', () => {
  it('visits every row once, in id order, in batches of the given size', async () => {
    const batches = await collect(keysetBatches(readFrom(ids.map((id) => ({ id }))), 3));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(batches.flat().map((r) => r.id)).toEqual(ids);
  });

  it('neither skips nor repeats a row when rows leave the walk under it (a job ending what it reads)', async () => {
    const table = ids.map((id) => ({ id }));
    const seen: string[] = [];
    for await (const batch of keysetBatches(readFrom(table), 2)) {
      for (const r of batch) {
        seen.push(r.id);
        table.splice(table.indexOf(r), 1);
      }
    }
    expect(seen).toEqual(ids);
  });

  it('stops after maxBatches when a read never ends', async () => {
    const endless = async (after: string) => [{ id: `${after}x` }];
    expect(await collect(keysetBatches(endless, 1, 4))).toHaveLength(4);
  });
});
