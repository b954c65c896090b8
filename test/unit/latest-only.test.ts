// The dashboard's plain ES module has no type declarations: required, typed by what this test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { latestOnly } = require('../../dashboard/js/latest-only.js') as { latestOnly: () => () => () => boolean };

/** Overlapping loads of one dashboard page: only the one started last may draw, whatever order they answer in. */
describe('dashboard loads: only the latest draws', () => {
  it('an older load answering last is told it is no longer the latest', async () => {
    const ticket = latestOnly();
    const drawn: string[] = [];
    const load = async (name: string, answerAfterMs: number) => {
      const current = ticket();
      await new Promise((r) => setTimeout(r, answerAfterMs));
      if (current()) drawn.push(name);
    };
    await Promise.all([load('first search', 30), load('second search', 10), load('third search', 20)]);
    expect(drawn).toEqual(['third search']);
    await load('alone', 0);
    expect(drawn).toEqual(['third search', 'alone']);
  });

  it('each page has tickets of its own', () => {
    const a = latestOnly();
    const b = latestOnly();
    const fromA = a();
    b();
    expect(fromA()).toBe(true);
  });
});
