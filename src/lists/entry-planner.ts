import type { PersonKeyer } from '../identity/person-key';
import { factsOf, planOutcome, type EntryForRules, type Plan } from '../rules/outcome-planner';
import type { RuleEngine } from '../rules/rule-engine';
import type { Duration } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import { entryForRulesOf, type StoredEntryFacts } from './entry-facts';
import { normaliseEntry, type ListEntryInput, type NormalisedEntry } from './entry-input';

/**
 * The one planning step of an entry's lifecycle: normalise → facts → rules → plan. Creation, batches, simulation,
 * the consistency job and the bench all plan here, so what is simulated is what is issued. Nothing is stored.
 */
export class EntryPlanner {
  /** Each measure's term by its code (the rule loader refuses a code used twice: src/rules/rule-loader.ts). */
  private readonly durations: Map<string, Duration>;

  constructor(
    private readonly engine: RuleEngine,
    private readonly keyOf: PersonKeyer,
    private readonly clock: Clock,
  ) {
    this.durations = new Map(engine.loaded.rules.map((r) => [r.event.params.code, r.event.params.duration]));
  }

  /** The term of the measure with this code in the loaded rules; undefined for a code they no longer hold. */
  durationOf(code: string): Duration | undefined {
    return this.durations.get(code);
  }

  /** An entry as submitted: checked (ValidationError naming every bad field), reduced to keyed hashes, planned. */
  async plan(input: ListEntryInput): Promise<{ normalised: NormalisedEntry; plan: Plan }> {
    const today = chinaDate(this.clock.now());
    const normalised = normaliseEntry(input, this.keyOf, today, this.engine.loaded.catalog.listingGrounds);
    // a historical record (its term ended before it arrived) is stored expired: nothing to issue
    if (input.historical) return { normalised, plan: { orders: [], restrictions: [], bans: [] } };
    return { normalised, plan: await this.planFacts(normalised.forRules) };
  }

  /** An entry as the rules see it: a new one, or a stored one rebuilt with entryForRulesOf. */
  async planFacts(entry: EntryForRules): Promise<Plan> {
    return planOutcome(entry, await this.engine.fire(factsOf(entry)));
  }

  /**
   * Whether a stored entry decided on `decidedAt` instead of its own date gets the same measures from the loaded rules,
   * citing the same versions of their legal basis (their terms aside: those follow the date, src/lists/order-terms.ts).
   * Which rules are in force, and which version of a law a measure cites, both go by the decision date. Both dates are
   * planned with today's rules, so a rule file changed since the listing is not taken for an effect of the date.
   * Undefined for an entry the rules cannot be run on again (entryForRulesOf).
   */
  async sameMeasuresOn(row: StoredEntryFacts, decidedAt: string): Promise<boolean | undefined> {
    const was = entryForRulesOf(row);
    if (!was) return undefined;
    const [before, after] = await Promise.all([this.planFacts(was), this.planFacts({ ...was, decidedAt })]);
    return measuresKey(before) === measuresKey(after);
  }
}

/** A plan's measures apart from their terms, by department, in one comparable string. */
function measuresKey(plan: Plan): string {
  const measures = plan.orders.flatMap((o) =>
    o.measures.map(({ until: _until, ...measure }) => `${o.department}\u0000${JSON.stringify(measure)}`),
  );
  return measures.sort().join('\n');
}
