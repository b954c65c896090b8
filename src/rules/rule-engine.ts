import { Engine, Rule } from 'json-rules-engine';
import type { ListType, LoadedRule, RelatedRole } from './rule-types';
import type { LoadedRules } from './rule-loader';

/** The facts of a list entry that rule conditions may read (the schema's condition.fact enum). */
export interface EntryFacts {
  listType: ListType;
  subjectKind: 'enterprise' | 'person';
  relatedRoles: RelatedRole[];
  hasLegalRepresentative: boolean;
  decidedAt: string;
  /** The provision the entry was listed under (rules/catalog.json listingGrounds), when the entry names one. */
  listingGround: string | null;
}

const CACHE_LIMIT = 10_000;

/**
 * Runs the loaded rules on an entry's facts. Rules are pure functions of the facts they read, so the result is
 * cached per distinct combination of those facts: bulk ingestion pays for json-rules-engine once per combination.
 * Whether a rule's legal basis was in force on the decision date is checked after the engine, per entry.
 */
export class RuleEngine {
  private readonly engine: Engine;
  private readonly byId: Map<string, LoadedRule>;
  private readonly factsRead: (keyof EntryFacts)[];
  private readonly cache = new Map<string, LoadedRule[]>();

  constructor(readonly loaded: LoadedRules) {
    this.engine = new Engine([], { allowUndefinedFacts: true });
    for (const r of loaded.rules)
      this.engine.addRule(new Rule({ name: r.id, conditions: r.conditions as never, event: r.event }));
    this.byId = new Map(loaded.rules.map((r) => [r.id, r]));
    const read = new Set<keyof EntryFacts>();
    for (const r of loaded.rules) collectFacts(r.conditions, read);
    this.factsRead = [...read].sort();
  }

  get version(): string {
    return this.loaded.version;
  }

  /** The rules that fire on these facts and whose basis was in force on the decision date. */
  async fire(facts: EntryFacts): Promise<LoadedRule[]> {
    const key = this.factsRead
      .map((f) => JSON.stringify(f === 'relatedRoles' ? [...facts.relatedRoles].sort() : facts[f]))
      .join('|');
    let matched = this.cache.get(key);
    if (!matched) {
      const { results } = await this.engine.run({ ...facts });
      matched = results.map((res) => this.byId.get(res.name as string)).filter((r): r is LoadedRule => r !== undefined);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, matched);
    }
    return matched.filter((r) => inForceOn(r, facts.decidedAt));
  }
}

function inForceOn(rule: LoadedRule, date: string): boolean {
  const f = rule.event.params.inForce;
  if (!f) return true;
  return date >= f.from && (f.until === undefined || date <= f.until);
}

function collectFacts(node: unknown, out: Set<keyof EntryFacts>): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (typeof n.fact === 'string') out.add(n.fact as keyof EntryFacts);
  for (const key of ['all', 'any'] as const)
    if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((c) => collectFacts(c, out));
  if (n.not) collectFacts(n.not, out);
}
