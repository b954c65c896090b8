import type { EntryForRules } from '../rules/outcome-planner';
import type { RelatedRole } from '../rules/rule-types';

/** One person as the rules see them, stored in list_entries.persons; role "subject" is a person subject. */
export interface EntryPerson {
  role: 'subject' | RelatedRole;
  personKey: string;
  masked: string;
  name: string;
}

/** What writeEntries stores so the rules can be run again on the stored entry (keyed hashes and masks only). */
export function entryPersonsOf(forRules: EntryForRules): EntryPerson[] {
  const s = forRules.subject;
  const subject: EntryPerson[] =
    s.kind === 'person' ? [{ role: 'subject', personKey: s.personKey, masked: s.masked, name: s.name }] : [];
  return [
    ...subject,
    ...forRules.persons.map((p) => ({ role: p.role, personKey: p.personKey, masked: p.masked, name: p.name })),
  ];
}

export interface StoredEntryFacts {
  list_type: EntryForRules['listType'];
  decided_at: string;
  expires_at: string | null;
  subject_kind: 'enterprise' | 'person';
  uscc: string | null;
  subject_name: string;
  person_keys: string[];
  persons?: EntryPerson[] | null;
  /** The listing ground the entry was listed under, so a re-run reads the facts the first run read. */
  listing_ground: string | null;
}

/**
 * The entry as the rules saw it when it was stored, rebuilt from the row; undefined when the row predates the
 * persons column and names persons (their roles cannot be recovered from the keys alone).
 */
export function entryForRulesOf(row: StoredEntryFacts): EntryForRules | undefined {
  let persons = row.persons;
  if (!persons) {
    if (row.subject_kind !== 'enterprise' || row.person_keys.length > 0) return undefined;
    persons = [];
  }
  const subjectPerson = persons.find((p) => p.role === 'subject');
  let subject: EntryForRules['subject'];
  if (row.subject_kind === 'enterprise')
    subject = { kind: 'enterprise', uscc: row.uscc as string, name: row.subject_name };
  else if (subjectPerson)
    subject = {
      kind: 'person',
      personKey: subjectPerson.personKey,
      masked: subjectPerson.masked,
      name: row.subject_name,
    };
  else return undefined;
  return {
    listType: row.list_type,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
    ...(row.listing_ground != null ? { listingGround: row.listing_ground } : {}),
    subject,
    persons: persons
      .filter((p): p is EntryPerson & { role: RelatedRole } => p.role !== 'subject')
      .map((p) => ({ role: p.role, personKey: p.personKey, masked: p.masked, name: p.name })),
  };
}
