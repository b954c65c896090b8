import { newRowId } from '../../src/db/row-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Rows of growing tables get ids that append to their indexes (ADR 0011): later ids sort after earlier ones. */
describe('new row ids', () => {
  it('are UUIDv7, and each one made sorts after the one before it, as PostgreSQL compares uuids (bytewise)', () => {
    const ids = Array.from({ length: 50_000 }, newRowId);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    // Same-millisecond ids too: the hex text of a uuid compares as its bytes do.
    const outOfOrder = ids.findIndex((id, i) => i > 0 && id <= (ids[i - 1] as string));
    expect(outOfOrder).toBe(-1);
  });

  it('carry the time they were made in their first 48 bits', () => {
    const before = Date.now();
    const id = newRowId();
    const after = Date.now();
    const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });
});
