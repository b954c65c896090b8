import { ConflictError } from '../errors';
import { fieldError } from '../i18n/messages';
import type { EntryPerson } from './entry-facts';
import type { PreparedEntry } from './entry-writer';
import type { EntryRow } from './list-entry-store';

/** Text as meant, not as typed: width forms, runs of spaces and the spaces around it are formatting. */
const meant = (s: string | null | undefined) => (s ?? '').normalize('NFKC').replace(/\s+/g, ' ').trim();

const personsWith = (persons: EntryPerson[], roles: (r: string) => boolean) =>
  persons
    .filter((p) => roles(p.role))
    .map((p) => `${p.role}|${p.personKey}|${meant(p.name)}`)
    .sort()
    .join('\n');

/**
 * The fields in which a resubmitted entry differs from the one stored under its sourceRef, as the API names them;
 * empty when it differs in formatting only. A resubmission that says something else is no repeat: answering it
 * with the stored entry would silently keep the old data (a correction goes through the entry's lifecycle).
 */
export function differingFields(stored: EntryRow, p: PreparedEntry): string[] {
  const n = p.normalised;
  const out: string[] = [];
  const compare = (field: string, a: unknown, b: unknown) => a !== b && out.push(field);
  compare('listType', stored.list_type, p.input.listType);
  compare('subject.kind', stored.subject_kind, p.input.subject.kind);
  if (stored.subject_kind === p.input.subject.kind) {
    compare('subject.uscc', stored.uscc, n.uscc);
    compare('subject.name', meant(stored.subject_name), meant(n.subjectName));
    const was = stored.persons ?? null;
    const now = [
      ...(n.forRules.subject.kind === 'person'
        ? [{ role: 'subject', personKey: n.forRules.subject.personKey, masked: '', name: n.forRules.subject.name }]
        : []),
      ...n.forRules.persons,
    ] as EntryPerson[];
    if (was) {
      const subjectOf = (ps: EntryPerson[]) => ps.find((x) => x.role === 'subject')?.personKey;
      if (p.input.subject.kind === 'person') compare('subject.idNumber', subjectOf(was), subjectOf(now));
      const rep = (r: string) => r === 'legal_representative';
      if (personsWith(was, rep) !== personsWith(now, rep)) out.push('subject.legalRepresentative');
      const others = (r: string) => r !== 'subject' && r !== 'legal_representative';
      if (personsWith(was, others) !== personsWith(now, others)) out.push('relatedPersons');
    } else if ([...stored.person_keys].sort().join() !== [...n.personKeys].sort().join()) out.push('relatedPersons');
  }
  compare('reason', meant(stored.reason), meant(p.input.reason));
  compare('decisionNo', meant(stored.decision_no), meant(p.input.decisionNo));
  compare('decidedAt', stored.decided_at, p.input.decidedAt);
  compare('expiresAt', stored.expires_at ?? null, n.forRules.expiresAt ?? null);
  compare('listingGround', stored.listing_ground ?? null, n.forRules.listingGround ?? null);
  return out;
}

/** The refusal of a conflicting resubmission: the stored entry's id and status, and each differing field. */
export function resubmissionConflict(
  sourceRef: string,
  entry: { id: string; status: string },
  fields: string[],
): ConflictError {
  const stored = { sourceRef, id: entry.id, status: entry.status };
  const errors = fields.map((path) => fieldError(path, 'differs_from_stored', stored));
  return ConflictError.coded('resubmission_conflict', { ...stored, fields: fields.join(', ') }, errors);
}
