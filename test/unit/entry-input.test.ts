import { ValidationError } from '../../src/errors';
import { createPersonKeyer } from '../../src/identity/person-key';
import { normaliseEntry, type ListEntryInput } from '../../src/lists/entry-input';
import { rulesDir } from '../../src/paths';
import { loadRules } from '../../src/rules/rule-loader';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, withWrongCheck } from '../support/factories';

const keyOf = createPersonKeyer('unit-test-key-0123456789abcdef0123');
const grounds = loadRules(rulesDir).catalog.listingGrounds;
const TODAY = '2026-03-02';
const normalise = (input: ListEntryInput) => normaliseEntry(input, keyOf, TODAY, grounds);

function fieldErrors(input: ListEntryInput): string[] {
  try {
    normalise(input);
  } catch (e) {
    if (e instanceof ValidationError) return e.errors.map((x) => x.path);
    throw e;
  }
  return [];
}

describe('normaliseEntry', () => {
  it('reports every broken field at once, by path', () => {
    const input = enterpriseEntry({
      decidedAt: '2026-03-03',
      relatedPersons: [{ role: 'principal', name: '甲', idNumber: '110105198005170000' }],
    });
    if (input.subject.kind !== 'enterprise') throw new Error('fixture');
    input.subject.uscc = withWrongCheck(input.subject.uscc);
    expect(fieldErrors(input).sort()).toEqual(['decidedAt', 'relatedPersons[0].idNumber', 'subject.uscc']);
  });

  it('keeps persons off the enterprise-only lists and minors off the dishonest-debtor list', () => {
    expect(fieldErrors(personDebtorEntry({ listType: 'serious_violation' }))).toEqual(['subject.kind']);
    expect(fieldErrors(personDebtorEntry({ idNumber: makeIdNumber('2010-01-01'), decidedAt: '2026-02-10' }))).toEqual([
      'subject.idNumber',
    ]);
    expect(fieldErrors(personDebtorEntry({ idNumber: makeIdNumber('2008-02-10'), decidedAt: '2026-02-10' }))).toEqual(
      [],
    );
  });

  it('computes the last listed day from the listing ground, with its extension', () => {
    const at = (over: Partial<ListEntryInput>) =>
      normalise(personDebtorEntry({ decidedAt: '2026-02-10', ...over })).forRules.expiresAt;
    expect(at({ listingGround: 'evades_enforcement' })).toBe('2028-02-09');
    expect(at({ listingGround: 'evades_enforcement', termExtensionYears: 1 })).toBe('2029-02-09');
    expect(at({ listingGround: 'refuses_despite_ability' })).toBeNull();
    expect(at({})).toBeNull();
    expect(fieldErrors(personDebtorEntry({ listingGround: 'evades_enforcement', termExtensionYears: 4 }))).toEqual([
      'termExtensionYears',
    ]);
    expect(
      fieldErrors(personDebtorEntry({ listingGround: 'refuses_despite_ability', expiresAt: '2027-01-01' })),
    ).toEqual(['expiresAt']);
    expect(fieldErrors(personDebtorEntry({ listingGround: 'no_annual_report' }))).toEqual(['listingGround']);
    expect(fieldErrors(personDebtorEntry({ termExtensionYears: 1 }))).toEqual(['termExtensionYears']);
  });

  it('reduces persons to keyed hashes and masks, once per person and role', () => {
    const legalRep = makeIdNumber();
    const input = enterpriseEntry({
      legalRepId: legalRep,
      relatedPersons: [{ role: 'legal_representative', name: '法人', idNumber: legalRep }],
    });
    const n = normalise(input);
    expect(n.forRules.persons).toHaveLength(1);
    expect(n.personKeys).toEqual([keyOf(legalRep)]);
    expect(n.display.relatedPersons).toEqual([
      { role: 'legal_representative', name: '法人', idNumberMasked: expect.any(String) },
    ]);
    expect(JSON.stringify(n)).not.toContain(legalRep);
  });
});
