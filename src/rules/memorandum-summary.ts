import type { components } from '../generated/openapi';
import { BASIS_STRENGTHS, type BasisStrength, type ListType } from './catalog-types';
import type { LoadedRules } from './rule-loader';

type Memorandum = components['schemas']['Memorandum'];

/**
 * One line per rule file, counted from the loaded rules: how many measures (officer bans included), how many of
 * them verified in a primary text, how many rest on each kind of basis (memorandum_only ones are flagged), and
 * which departments implement them. The API and docs/rules.md both use it.
 */
export function memorandaOf(loaded: Pick<LoadedRules, 'files' | 'rules'>): Memorandum[] {
  return loaded.files.map(({ memorandum: m }) => {
    const rules = loaded.rules.filter((r) => r.memorandum.id === m.id);
    return {
      id: m.id,
      documentNo: m.documentNo,
      title: m.title,
      titleEn: m.titleEn,
      kind: m.kind,
      ...(m.issuedOn ? { issuedOn: m.issuedOn } : {}),
      ...(m.signatories ? { signatories: m.signatories } : {}),
      lists: m.lists as ListType[],
      measures: rules.length,
      bans: rules.filter((r) => r.event.type === 'officer_ban').length,
      verified: rules.filter((r) => r.event.params.provenance === 'verified').length,
      provisional: rules.filter((r) => r.event.params.provenance === 'provisional').length,
      basisStrength: strengthCounts(rules.map((r) => r.event.params.basisStrength)),
      departments: [...new Set(rules.map((r) => r.event.params.department))].sort(),
    };
  });
}

function strengthCounts(strengths: readonly BasisStrength[]): Record<BasisStrength, number> {
  const counts = Object.fromEntries(BASIS_STRENGTHS.map((s) => [s, 0])) as Record<BasisStrength, number>;
  for (const s of strengths) counts[s]++;
  return counts;
}
