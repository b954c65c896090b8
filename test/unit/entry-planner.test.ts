import { createPersonKeyer } from '../../src/identity/person-key';
import { entryForRulesOf, entryPersonsOf } from '../../src/lists/entry-facts';
import { EntryPlanner } from '../../src/lists/entry-planner';
import { rulesDir } from '../../src/paths';
import { measureSetJson } from '../../src/orders/measure-sets';
import { plannedSetKey } from '../../src/rules/outcome-planner';
import { RuleEngine } from '../../src/rules/rule-engine';
import { loadRules } from '../../src/rules/rule-loader';
import { ManualClock } from '../../src/time/clock';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, unitDebtorEntry } from '../support/factories';

// The planning step without a database: the loaded rule files, a keyed hash, a fixed clock.
const engine = new RuleEngine(loadRules(rulesDir));
const planner = new EntryPlanner(
  engine,
  createPersonKeyer('unit-test-key-0123456789abcdef0123'),
  new ManualClock(new Date('2026-03-02T02:00:00Z')),
);

/** The stored row's facts, as writeEntries stores them and the consistency job reads them back. */
function storedFacts(n: Awaited<ReturnType<EntryPlanner['plan']>>['normalised'], listingGround: string | null = null) {
  const f = n.forRules;
  return {
    list_type: f.listType,
    decided_at: f.decidedAt,
    expires_at: f.expiresAt,
    subject_kind: f.subject.kind,
    uscc: n.uscc,
    subject_name: n.subjectName,
    person_keys: n.personKeys,
    persons: entryPersonsOf(f),
    listing_ground: listingGround,
  };
}

describe('EntryPlanner', () => {
  it('plans one order per department, restrictions on the subject and bans on its persons, by keyed hash only', async () => {
    const input = enterpriseEntry();
    const { normalised, plan } = await planner.plan(input);
    const departments = plan.orders.map((o) => o.department);
    expect(new Set(departments).size).toBe(departments.length);
    expect(plan.orders.length).toBeGreaterThan(0);
    const uscc = input.subject.kind === 'enterprise' ? input.subject.uscc : '';
    expect(plan.restrictions.length).toBeGreaterThan(0);
    expect(plan.restrictions.every((r) => r.uscc === uscc && r.personKey === null)).toBe(true);
    // every restriction and ban belongs to an order of its department
    for (const r of [...plan.restrictions.map((x) => x.department), ...plan.bans.map((b) => b.department)])
      expect(departments).toContain(r);
    const legalRep = input.subject.kind === 'enterprise' ? input.subject.legalRepresentative?.idNumber : undefined;
    expect(legalRep).toBeDefined();
    expect(JSON.stringify({ normalised, plan })).not.toContain(legalRep);
  });

  it('gives the consistency job the plan creation issued, from the facts it stored', async () => {
    for (const input of [
      enterpriseEntry(),
      personDebtorEntry(),
      unitDebtorEntry([
        { role: 'legal_representative', idNumber: makeIdNumber() },
        { role: 'principal', idNumber: makeIdNumber('1975-01-02') },
      ]),
      personDebtorEntry({ listingGround: 'evades_enforcement' }),
    ]) {
      const { normalised, plan } = await planner.plan(input);
      const again = entryForRulesOf(storedFacts(normalised, input.listingGround ?? null));
      expect(again).toBeDefined();
      expect(await planner.planFacts(again ?? normalised.forRules)).toEqual(plan);
    }
  });

  it("names each order's measure set by a key that only one content has, citations on the decision date included", async () => {
    // decisions before and after the laws' new versions (2021, 2023-24): the same rules cite other versions
    const contentOf = new Map<string, string>();
    for (const decidedAt of ['2019-06-03', '2022-03-01', '2024-05-15', '2024-08-01', '2026-02-27']) {
      for (const input of [
        enterpriseEntry({ decidedAt }),
        enterpriseEntry({ decidedAt, listType: 'abnormal_operations' }),
        personDebtorEntry({ decidedAt }),
        unitDebtorEntry([{ role: 'legal_representative', idNumber: makeIdNumber() }], { decidedAt }),
      ]) {
        const { plan } = await planner.plan(input).catch(() => ({ plan: { orders: [] } }));
        for (const { measures } of plan.orders) {
          const key = plannedSetKey(measures);
          expect(key).toMatch(/^#/);
          // a copy of the list has no key: its set is found by its content, and must be the one the key names
          const content = measureSetJson([...measures]);
          expect(contentOf.get(key as string) ?? content).toBe(content);
          contentOf.set(key as string, content);
          expect(measureSetJson(measures)).toBe(content);
        }
      }
    }
    // the versions in force differ across these dates, so one department's measures make more than one set
    expect(new Set(contentOf.values()).size).toBeGreaterThan(10);
    expect(contentOf.size).toBeGreaterThanOrEqual(new Set(contentOf.values()).size);
  });

  it('plans nothing it cannot check: a bad entry is a ValidationError naming its fields', async () => {
    const input = { ...enterpriseEntry(), decidedAt: '2026-02-30' };
    await expect(planner.plan(input)).rejects.toMatchObject({
      name: 'ValidationError',
      errors: [{ path: 'decidedAt' }],
    });
  });
});
