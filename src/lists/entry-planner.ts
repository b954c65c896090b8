import type { PersonKeyer } from '../identity/person-key';
import { factsOf, planOutcome, type EntryForRules, type Plan } from '../rules/outcome-planner';
import type { RuleEngine } from '../rules/rule-engine';
import type { Duration } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
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
}
