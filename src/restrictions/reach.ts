import { enterpriseKey, personKey } from '../checks/subject-index';
import type { EntryPerson } from '../lists/entry-facts';
import type { SetMeasure, Untils } from '../orders/measure-sets';
import type { Plan } from '../rules/outcome-planner';

/**
 * Whom an order's measures reach, read back from what the order and its entry store (ADR 0012): the measure set
 * gives each measure's kind and reach, the order each measure's `until`, the entry its subject and persons with their
 * roles. The same rule as planOutcome (src/rules/outcome-planner.ts) applies when it issues the order:
 *  - a measure (kind `measure`) restricts, for reach `subject`, the enterprise (by USCC) or the person subject (by
 *    keyed hash), and for any other reach every person of the entry in that role;
 *  - a ban (any other kind) reaches persons only: a person subject for reach `subject`, else the persons in that
 *    role (an enterprise is not banned from office).
 * Migration 20261206200000 checked this against every row stored before; the views `restrictions` and
 * `officer_bans` say the same in SQL. Pure: the check store reads the rows, this says what they mean.
 */
export interface EntryOfOrder {
  subject_kind: 'enterprise' | 'person';
  uscc: string | null;
  /** null only for entries stored before the persons column, which migration 20261206200000 refuses to meet */
  persons: EntryPerson[] | null;
}

export interface ReachedRestriction {
  measure: SetMeasure;
  until: string | null;
  uscc: string | null;
  personKey: string | null;
}

export interface ReachedBan {
  measure: SetMeasure;
  until: string | null;
  person: EntryPerson;
  reachedAs: string;
}

/** The restrictions an order puts on its entry's subjects, in its set's order. */
export function restrictionsReached(entry: EntryOfOrder, set: readonly SetMeasure[], untils: Untils) {
  const out: ReachedRestriction[] = [];
  set.forEach((measure, i) => {
    if (measure.kind !== 'measure') return;
    const until = untils?.[i] ?? null;
    for (const reach of measure.reach) {
      if (reach === 'subject' && entry.subject_kind === 'enterprise')
        out.push({ measure, until, uscc: entry.uscc, personKey: null });
      else
        for (const p of entry.persons ?? [])
          if (p.role === reach) out.push({ measure, until, uscc: null, personKey: p.personKey });
    }
  });
  return out;
}

/** The bans an order puts on its entry's persons, in its set's order. */
export function bansReached(entry: EntryOfOrder, set: readonly SetMeasure[], untils: Untils) {
  const out: ReachedBan[] = [];
  set.forEach((measure, i) => {
    if (measure.kind === 'measure') return;
    const until = untils?.[i] ?? null;
    for (const reach of measure.reach)
      for (const person of entry.persons ?? [])
        if (person.role === reach) out.push({ measure, until, person, reachedAs: reach });
  });
  return out;
}

/**
 * The subject-index keys (src/checks/subject-index.ts) of the subjects a plan restricts or bans: what this process
 * notes before the orders are written, so its own index never answers clean for them.
 */
export function subjectKeysOf(plan: Pick<Plan, 'restrictions' | 'bans'>): string[] {
  // each subject once: an entry's ~40 restrictions name one or two subjects, and a key string each was garbage
  const usccs = new Set<string>();
  const persons = new Set<string>();
  for (const r of plan.restrictions) {
    if (r.uscc !== null) usccs.add(r.uscc);
    else persons.add(r.personKey as string);
  }
  for (const b of plan.bans) persons.add(b.personKey);
  return [...[...usccs].map(enterpriseKey), ...[...persons].map(personKey)];
}
