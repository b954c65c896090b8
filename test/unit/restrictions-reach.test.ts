import { createPersonKeyer } from '../../src/identity/person-key';
import { entryPersonsOf } from '../../src/lists/entry-facts';
import { EntryPlanner } from '../../src/lists/entry-planner';
import type { SetMeasure } from '../../src/orders/measure-sets';
import { untilsOf } from '../../src/orders/measure-sets';
import { rulesDir } from '../../src/paths';
import { bansReached, restrictionsReached, subjectKeysOf } from '../../src/restrictions/reach';
import { RuleEngine } from '../../src/rules/rule-engine';
import { loadRules } from '../../src/rules/rule-loader';
import { ManualClock } from '../../src/time/clock';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, unitDebtorEntry } from '../support/factories';

/*
 * Restrictions and bans are not stored (ADR 0012): a check reads them back from the order's measure set, its
 * untils and the entry's stored persons. That must give exactly what the planner made when it issued the order, for
 * every kind of entry and list, or a check would answer something no order says.
 */
const planner = new EntryPlanner(
  new RuleEngine(loadRules(rulesDir)),
  createPersonKeyer('unit-test-key-0123456789abcdef0123'),
  new ManualClock(new Date('2026-03-02T02:00:00Z')),
);

const related = () => [
  { role: 'legal_representative' as const, idNumber: makeIdNumber() },
  { role: 'principal' as const, idNumber: makeIdNumber('1975-01-02') },
  { role: 'actual_controller' as const, idNumber: makeIdNumber('1980-03-04') },
  { role: 'directly_responsible' as const, idNumber: makeIdNumber('1985-05-06') },
];

const INPUTS = () => [
  enterpriseEntry(),
  enterpriseEntry({ listType: 'abnormal_operations', reason: '未按照规定的期限公示年度报告' }),
  enterpriseEntry({ decidedAt: '2019-05-06' }),
  enterpriseEntry({ expiresAt: '2030-01-31' }),
  personDebtorEntry(),
  personDebtorEntry({ decidedAt: '2018-01-02' }),
  unitDebtorEntry(related()),
  unitDebtorEntry([{ role: 'legal_representative', idNumber: makeIdNumber() }]),
];

/** What an order row keeps: its set (measures without until) and untils; what the entry row keeps: its persons. */
async function issuedAndDerived(input: ReturnType<typeof INPUTS>[number]) {
  const { normalised, plan } = await planner.plan(input);
  const f = normalised.forRules;
  const entry = {
    subject_kind: f.subject.kind,
    uscc: f.subject.kind === 'enterprise' ? f.subject.uscc : null,
    persons: entryPersonsOf(f),
  };
  const restrictions: string[] = [];
  const bans: string[] = [];
  for (const order of plan.orders) {
    const set = order.measures.map(({ until: _, ...m }) => m as SetMeasure);
    const untils = untilsOf(order.measures);
    for (const r of restrictionsReached(entry, set, untils))
      restrictions.push([order.department, r.measure.code, r.uscc, r.personKey, r.until].join('|'));
    for (const b of bansReached(entry, set, untils))
      bans.push(
        [order.department, b.measure.code, b.person.personKey, b.person.masked, b.reachedAs, b.until].join('|'),
      );
  }
  return {
    plan,
    derived: { restrictions: restrictions.sort(), bans: bans.sort() },
    planned: {
      restrictions: plan.restrictions
        .map((r) => [r.department, r.measureCode, r.uscc, r.personKey, r.until].join('|'))
        .sort(),
      bans: plan.bans
        .map((b) => [b.department, b.code, b.personKey, b.personMasked, b.reachedAs, b.until].join('|'))
        .sort(),
    },
  };
}

describe('restrictions and bans read back from orders and entries', () => {
  it('are exactly the ones the planner issued, for enterprises, person and unit debtors, on every list', async () => {
    let restrictions = 0;
    let bans = 0;
    for (const input of INPUTS()) {
      const { derived, planned } = await issuedAndDerived(input);
      expect(derived).toEqual(planned);
      restrictions += planned.restrictions.length;
      bans += planned.bans.length;
    }
    // the inputs reach persons by role and carry bans: the comparison is not of two empty lists
    expect(restrictions).toBeGreaterThan(50);
    expect(bans).toBeGreaterThan(5);
  });

  it('reach a related person only in the role a measure names, and ban no enterprise', async () => {
    const { plan, derived } = await issuedAndDerived(unitDebtorEntry(related()));
    const byPerson = derived.restrictions.filter((r) => r.split('|')[3] !== '');
    expect(byPerson.length).toBeGreaterThan(0);
    expect(derived.bans.every((b) => b.split('|')[2] !== '')).toBe(true);
    // each subject a plan restricts or bans is a key the subject index is told of before the orders exist
    const keys = new Set(subjectKeysOf(plan));
    for (const r of plan.restrictions) expect(keys.has(r.uscc !== null ? `u${r.uscc}` : `p${r.personKey}`)).toBe(true);
  });
});
