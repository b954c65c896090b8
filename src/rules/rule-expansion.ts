import type { FileRule, RuleDefaults, When } from './rule-types';

/**
 * Rule files are written for people: file-level defaults and a compact `when`. This module turns one rule of a
 * file into the full form the engine and the loader's checks use. Pure: no file access, no validation of codes.
 */

/** A json-rules-engine leaf and where in the file it was written (for error messages). */
export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
  /** e.g. rules[3].when.listType or defaults.when.listType */
  field: string;
}

/** `when` → engine leaves: a string is equal, a list is in, {not: …} the opposite; relatedRoles means contains. */
function leavesOfWhen(when: When | undefined, at: string): ConditionLeaf[] {
  if (!when) return [];
  return Object.entries(when).map(([fact, v]) => {
    const field = `${at}.${fact}`;
    if (fact === 'relatedRoles') return { fact, operator: 'contains', value: v, field };
    if (typeof v === 'boolean' || typeof v === 'string') return { fact, operator: 'equal', value: v, field };
    if (Array.isArray(v)) return { fact, operator: 'in', value: v, field };
    const not = (v as { not: string | string[] }).not;
    return { fact, operator: Array.isArray(not) ? 'notIn' : 'notEqual', value: not, field: `${field}.not` };
  });
}

/** The rule's engine conditions: the file's `when` and the rule's (the rule's key wins), then its own conditions. */
export function conditionsOf(
  defaults: RuleDefaults | undefined,
  rule: FileRule,
  at: string,
): { conditions: Record<string, unknown>; leaves: ConditionLeaf[] } {
  const own = leavesOfWhen(rule.when, `${at}.when`);
  const inherited = leavesOfWhen(defaults?.when, 'defaults.when').filter((l) => !own.some((o) => o.fact === l.fact));
  const leaves = [...inherited, ...own];
  const all: Record<string, unknown>[] = leaves.map(({ fact, operator, value }) => ({ fact, operator, value }));
  if (rule.conditions) all.push(rule.conditions as Record<string, unknown>);
  return { conditions: { all }, leaves };
}

type Merged = Omit<FileRule, 'when' | 'conditions' | 'keywords'> & RuleDefaults;

/** The rule with the file's defaults: the rule's own field wins; basis is the file's then the rule's; notes join. */
export function withDefaults(defaults: RuleDefaults | undefined, rule: FileRule): Merged {
  const { when: _w, basis: defaultBasis, provenanceNote: defaultNote, ...shared } = defaults ?? {};
  const { when: _rw, conditions: _c, keywords: _k, basis, provenanceNote, ...own } = rule;
  const note = [defaultNote, provenanceNote].filter(Boolean).join(' ');
  return {
    ...shared,
    ...own,
    basis: [...(defaultBasis ?? []), ...(basis ?? [])],
    ...(note ? { provenanceNote: note } : {}),
  };
}
