import { addDays, addYears } from '../time/dates';
import { citationsOn } from './citations';
import type { EntryFacts } from './rule-engine';
import type { Duration, ListType, LoadedRule, OfficerRole, Reach, RelatedRole } from './rule-types';

/** One measure of an order, as stored on the order and shown to the implementing department (spec: OrderMeasure). */
interface OrderMeasure {
  code: string;
  name: string;
  nameEn: string;
  kind: 'measure' | 'officer_ban';
  memorandum: string;
  basis: { document: string; article: string }[];
  reach: Reach[];
  scenarios?: string[];
  roles?: OfficerRole[];
  until: string | null;
}

/** What the rules need to know about an entry: who is on it (persons by keyed hash, never by ID number). */
export interface EntryForRules {
  listType: ListType;
  decidedAt: string;
  /** Last listed day: given by the authority, or computed from the listing ground's term; null = until removal. */
  expiresAt: string | null;
  /** The provision the entry was listed under, when it names one (rules/catalog.json listingGrounds). */
  listingGround?: string | null;
  subject:
    | { kind: 'enterprise'; uscc: string; name: string }
    | { kind: 'person'; personKey: string; masked: string; name: string };
  /** Related persons, the enterprise's legal representative included (as legal_representative). */
  persons: { role: RelatedRole; personKey: string; masked: string; name: string }[];
}

/**
 * A measure on one subject, as the plan issues it. Not stored (ADR 0012): checks read it back from the order and its
 * entry; the plan keeps what its callers use (the subject index's keys, the consistency job's repair, tests).
 */
export interface PlannedRestriction {
  department: string;
  uscc: string | null;
  personKey: string | null;
  measureCode: string;
  until: string | null;
}

export interface PlannedBan {
  department: string;
  personKey: string;
  personMasked: string;
  personName: string;
  reachedAs: string;
  roles: OfficerRole[];
  code: string;
  reason: string;
  until: string | null;
}

interface PlannedOrder {
  department: string;
  measures: OrderMeasure[];
}

export interface Plan {
  orders: PlannedOrder[];
  restrictions: PlannedRestriction[];
  bans: PlannedBan[];
}

export function factsOf(entry: EntryForRules): EntryFacts {
  return {
    listType: entry.listType,
    subjectKind: entry.subject.kind,
    relatedRoles: [...new Set(entry.persons.map((p) => p.role))],
    hasLegalRepresentative: entry.persons.some((p) => p.role === 'legal_representative'),
    decidedAt: entry.decidedAt,
    listingGround: entry.listingGround ?? null,
  };
}

/**
 * Last day a measure of this duration is in force for an entry with these dates; null while the entry is listed
 * without an end date. Planning issues it; a correction of either date moves it (src/lists/order-terms.ts).
 */
export function measureUntil(duration: Duration, entry: Pick<EntryForRules, 'decidedAt' | 'expiresAt'>): string | null {
  return duration.type === 'fixed' ? addDays(addYears(entry.decidedAt, duration.years), -1) : entry.expiresAt;
}

/** measureUntil, with the fixed terms of one entry remembered by their years (an entry's measures share a few). */
function untilOf(
  duration: Duration,
  entry: Pick<EntryForRules, 'decidedAt' | 'expiresAt'>,
  fixed: Map<number, string | null>,
): string | null {
  if (duration.type !== 'fixed') return entry.expiresAt;
  let until = fixed.get(duration.years);
  if (until === undefined) fixed.set(duration.years, (until = measureUntil(duration, entry)));
  return until;
}

/**
 * What an order's measures are made of apart from their `until`s, as a short key: which rules, in which order, each
 * with which of its citations (those in force on the decision date). Two measure lists with one key have the same set
 * (src/orders/measure-sets.ts), so an import looks its sets up by this key instead of serialising every order's
 * measures (~1 KB each, 18 orders an entry) to find the few dozen sets they share. Remembered per measures array
 * built here: a list made anywhere else has no key and is looked up by its content.
 */
const setKeys = new WeakMap<readonly object[], string>();
export const plannedSetKey = (measures: readonly object[]): string | undefined => setKeys.get(measures);

/**
 * What this process keeps per loaded rule, in one WeakMap so that reloading the rules frees it: its number (for set
 * keys: a rule file loaded again is a new rule and a new number), its basis per set of citations in force, and its
 * measure per set of citations when the measure has no end date.
 */
interface RuleKept {
  serial: number;
  bases: Map<string, OrderMeasure['basis']>;
  openMeasures: Map<string, OrderMeasure>;
}
const kept = new WeakMap<LoadedRule, RuleKept>();
let nextSerial = 0;
function keptFor(rule: LoadedRule): RuleKept {
  let k = kept.get(rule);
  if (!k) kept.set(rule, (k = { serial: nextSerial++, bases: new Map(), openMeasures: new Map() }));
  return k;
}

/**
 * Turns the rules that fired into one order per implementing department, plus the restriction and ban rows that
 * checks read. Pure: simulation and real entries share it.
 */
export function planOutcome(entry: EntryForRules, fired: LoadedRule[]): Plan {
  const orders = new Map<string, PlannedOrder>();
  const keys = new Map<string, string>();
  const restrictions: PlannedRestriction[] = [];
  const bans: PlannedBan[] = [];
  const subject = entry.subject;
  // an entry's rules share a few fixed terms (3 and 5 years): each computed once an entry
  const fixedUntils = new Map<number, string | null>();

  for (const rule of fired) {
    const { type, params } = rule.event;
    const until = untilOf(params.duration, entry, fixedUntils);
    // the versions of the law in force on the decision date: a 2026 decision does not cite a text repealed in 2024
    const cited = citationsOn(params.basis, entry.decidedAt);
    let reachedAnyone = false;

    for (const reach of params.reach) {
      if (type === 'measure') {
        if (reach === 'subject') {
          restrictions.push(
            restrictionFor(
              rule,
              subject.kind === 'enterprise' ? { uscc: subject.uscc } : { personKey: subject.personKey },
              until,
            ),
          );
          reachedAnyone = true;
        } else {
          for (const p of entry.persons.filter((x) => x.role === reach)) {
            restrictions.push(restrictionFor(rule, { personKey: p.personKey }, until));
            reachedAnyone = true;
          }
        }
      } else {
        const targets =
          reach === 'subject'
            ? subject.kind === 'person'
              ? [{ personKey: subject.personKey, masked: subject.masked, name: subject.name }]
              : []
            : entry.persons.filter((x) => x.role === reach);
        for (const t of targets) {
          bans.push({
            department: params.department,
            personKey: t.personKey,
            personMasked: t.masked,
            personName: t.name,
            reachedAs: reach,
            roles: type === 'officer_ban' ? rule.event.params.roles : [],
            code: params.code,
            reason: params.name,
            until,
          });
          reachedAnyone = true;
        }
      }
    }
    // A measure that reaches nobody on this entry (e.g. a ban on a legal representative the entry does not name)
    // produces no order line: the department has nothing to apply.
    if (!reachedAnyone) continue;

    const order = orders.get(params.department) ?? { department: params.department, measures: [] };
    const citedKey = cited.length === params.basis.length ? '*' : cited.map((c) => params.basis.indexOf(c)).join('.');
    const ruleKept = keptFor(rule);
    order.measures.push(measureOf(rule, ruleKept, citedKey, cited, until));
    orders.set(params.department, order);
    keys.set(params.department, `${keys.get(params.department) ?? '#'}${ruleKept.serial}:${citedKey};`);
  }
  for (const order of orders.values()) setKeys.set(order.measures, keys.get(order.department) as string);
  return { orders: [...orders.values()], restrictions, bans };
}

/**
 * A measure as an order carries it. Its basis is the same for every entry whose decision date keeps the same
 * citations (`citedKey`, as in the set key), so it is built once per rule and citations and shared by the orders of
 * every entry; so is the whole measure when it has no end date (`until` null: most of a court debtor's ~40
 * measures). A shared measure is frozen, and its basis is never changed either: answers copy what they reorder, and a
 * change would reach every entry. Built per measure, these objects and arrays were the largest share of the
 * importer's garbage after the COPY text.
 */
function measureOf(
  rule: LoadedRule,
  k: RuleKept,
  citedKey: string,
  cited: readonly { document: string; article: string }[],
  until: string | null,
): OrderMeasure {
  let basis = k.bases.get(citedKey);
  if (!basis) k.bases.set(citedKey, (basis = cited.map(({ document, article }) => ({ document, article }))));
  if (until !== null) return newMeasure(rule, basis, until);
  let open = k.openMeasures.get(citedKey);
  if (!open) k.openMeasures.set(citedKey, (open = Object.freeze(newMeasure(rule, basis, null))));
  return open;
}

function newMeasure(rule: LoadedRule, basis: OrderMeasure['basis'], until: string | null): OrderMeasure {
  const { type, params } = rule.event;
  return {
    code: params.code,
    name: params.name,
    nameEn: params.nameEn,
    kind: type,
    memorandum: rule.memorandum.documentNo,
    basis,
    reach: params.reach,
    ...(rule.event.type === 'measure'
      ? { scenarios: rule.event.params.scenarios }
      : { roles: rule.event.params.roles }),
    until,
  };
}

function restrictionFor(
  rule: LoadedRule,
  target: { uscc: string } | { personKey: string },
  until: string | null,
): PlannedRestriction {
  const p = rule.event.params;
  return {
    department: p.department,
    uscc: 'uscc' in target ? target.uscc : null,
    personKey: 'personKey' in target ? target.personKey : null,
    measureCode: p.code,
    until,
  };
}
