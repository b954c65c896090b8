import { validate, version } from 'uuid';
import { newRowId } from '../../src/db/row-id';

/** The layout of src/db/row-id.ts, read back: the millisecond it encodes and its 32-bit counter (ADR 0011). */
function fields(id: string) {
  const hex = id.replace(/-/g, '');
  const msecs = Number.parseInt(hex.slice(0, 12), 16);
  const randA = Number.parseInt(hex.slice(13, 16), 16);
  const b = Number.parseInt(hex.slice(16, 20), 16) & 0x3fff;
  const c = Number.parseInt(hex.slice(20, 22), 16) >>> 2;
  return { msecs, seq: randA * 2 ** 20 + b * 2 ** 6 + c };
}

describe('row ids (UUIDv7, ADR 0011)', () => {
  it('are version-7 UUIDs of the RFC 9562 variant, as the uuid package checks them', () => {
    for (let i = 0; i < 2000; i++) {
      const id = newRowId();
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('carry the millisecond they were made in their first 48 bits', () => {
    const before = Date.now();
    const id = newRowId();
    const after = Date.now();
    expect(fields(id).msecs).toBeGreaterThanOrEqual(before);
    expect(fields(id).msecs).toBeLessThanOrEqual(after + 1);
  });

  it('sort in the order they were made, across the refills of the random pool, and never repeat', () => {
    const ids = Array.from({ length: 20_000 }, () => newRowId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // within one millisecond the counter counts up by one
    for (let i = 1; i < ids.length; i++) {
      const [p, q] = [fields(ids[i - 1] as string), fields(ids[i] as string)];
      if (p.msecs === q.msecs) expect(q.seq).toBe(p.seq + 1);
    }
  });

  it('are random past the counter: 42 bits of the last group differ between consecutive ids', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => newRowId().slice(25)));
    expect(tails.size).toBe(1000);
  });
});
