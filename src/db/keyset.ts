/** The id every uuid is greater than: where a walk over a table by id starts. */
const BEFORE_ALL = '00000000-0000-0000-0000-000000000000';

/**
 * Walks a table in batches by keyset (id > the last id seen, in id order), so a job reads any number of rows in
 * bounded memory and never skips or repeats a row when rows change status under it. `read` returns the next batch
 * after an id; the walk ends at an empty batch, or after maxBatches (a guard against a read that never advances).
 */
export async function* keysetBatches<T extends { id: string }>(
  read: (after: string, limit: number) => Promise<T[]>,
  batchSize: number,
  maxBatches = 10_000,
): AsyncGenerator<T[]> {
  let after = BEFORE_ALL;
  for (let batch = 0; batch < maxBatches; batch++) {
    const rows = await read(after, batchSize);
    const last = rows[rows.length - 1];
    if (!last) return;
    after = last.id;
    yield rows;
  }
}
