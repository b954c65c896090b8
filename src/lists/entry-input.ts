import type { components } from '../generated/openapi';
import { UnprocessableError, ValidationError, type FieldError } from '../errors';
import { fieldError, textOf, type MessageCode, type MessageRef, type Params } from '../i18n/messages';
import { idNumberProblemCode, maskIdNumber } from '../identity/id-number';
import type { PersonKeyer } from '../identity/person-key';
import { usccProblemCode } from '../identity/uscc';
import { garbledFieldsOf } from '../input/garbled-text';
import type { EntryForRules } from '../rules/outcome-planner';
import type { ListingGround } from '../rules/rule-types';
import { addDays, addYears, isIsoDate } from '../time/dates';

export type ListEntryInput = components['schemas']['ListEntryInput'];
type EnterpriseSubject = components['schemas']['EnterpriseSubject'];
type PersonSubject = components['schemas']['PersonSubject'];
type RelatedPerson = components['schemas']['RelatedPerson'];

/**
 * The authority's sourceRef as meant, not as typed: with (authority, sourceRef) the key that makes a resubmission a
 * repeat, so the spaces a spreadsheet leaves around a cell and the full-width letters and digits a Chinese input
 * method types (ＴＲＹ-３) are formatting. Compared as typed, a file re-exported with a trailing space listed every
 * subject again and issued all their orders twice. NFKC, then trimmed, on every path that stores or names one.
 */
export const sourceRefAsMeant = (ref: string): string => ref.normalize('NFKC').trim();

/** An entry, or a removal naming one, with its sourceRef as meant (sourceRefAsMeant): what is stored and looked up. */
export const withSourceRefAsMeant = <T extends { sourceRef?: string }>(input: T): T =>
  typeof input?.sourceRef === 'string' ? { ...input, sourceRef: sourceRefAsMeant(input.sourceRef) } : input;

/** A broken field, by message code. */
type Bad = (path: string, code: MessageCode, params?: Params) => void;

/** Only the courts' list names natural persons; the market-regulation lists are lists of enterprises. */
const ENTERPRISE_ONLY = new Set(['abnormal_operations', 'serious_violation', 'license_revoked']);

/** An entry checked beyond what the OpenAPI schema can say, with persons reduced to keyed hashes and masks. */
export interface NormalisedEntry {
  forRules: EntryForRules;
  display: { subject: EnterpriseSubject | PersonSubject; relatedPersons: RelatedPerson[] };
  uscc: string | null;
  subjectName: string;
  personKeys: string[];
}

/**
 * Checks what the schema cannot (check characters, real dates, list and subject kinds agree, no minors on the
 * courts' list) and reports every broken field at once, by path. When the entry names its listing ground, the
 * ground's term (rules/catalog.json listingGrounds) gives expiresAt unless the authority gave one.
 */
export function normaliseEntry(
  input: ListEntryInput,
  keyOf: PersonKeyer,
  today: string,
  grounds: readonly ListingGround[] = [],
): NormalisedEntry {
  const errors: FieldError[] = [];
  const bad: Bad = (path, code, params) => errors.push(fieldError(path, code, params));
  // A wrongly decoded or control-laden text is refused before anything else reads it (issue: GBK files stored as ���).
  for (const e of garbledFieldsOf(input)) errors.push(e);
  const idOk = (path: string, id: string) => {
    const p = idNumberProblemCode(id);
    if (p) bad(path, p);
    return !p;
  };

  // all spaces: nothing is left once it is read as meant
  if (sourceRefAsMeant(input.sourceRef) === '') bad('sourceRef', 'required');
  if (!isIsoDate(input.decidedAt)) bad('decidedAt', 'not_a_date');
  else if (input.decidedAt > today) bad('decidedAt', 'in_future');
  if (input.expiresAt !== undefined) {
    if (!isIsoDate(input.expiresAt)) bad('expiresAt', 'not_a_date');
    else if (input.expiresAt < input.decidedAt) bad('expiresAt', 'before_decided');
  }

  const term = isIsoDate(input.decidedAt) ? termExpiry(input, grounds, bad) : { expiresAt: input.expiresAt };
  const expiresAt = term.expiresAt;

  const s = input.subject;
  if (s.kind === 'enterprise') {
    const p = usccProblemCode(s.uscc);
    if (p) bad('subject.uscc', p);
    if (s.legalRepresentative) idOk('subject.legalRepresentative.idNumber', s.legalRepresentative.idNumber);
  } else {
    if (ENTERPRISE_ONLY.has(input.listType)) bad('subject.kind', 'enterprise_only_list', { list: input.listType });
    if (idOk('subject.idNumber', s.idNumber) && isIsoDate(input.decidedAt)) {
      const birth = `${s.idNumber.slice(6, 10)}-${s.idNumber.slice(10, 12)}-${s.idNumber.slice(12, 14)}`;
      // 最高人民法院关于公布失信被执行人名单信息的若干规定 第四条: minors may not be listed.
      if (input.listType === 'dishonest_debtor' && addYears(birth, 18) > input.decidedAt)
        bad('subject.idNumber', 'minor');
    }
  }
  (input.relatedPersons ?? []).forEach((p, i) => idOk(`relatedPersons[${i}].idNumber`, p.idNumber));
  if (errors.length) throw ValidationError.of('invalid_entry', errors);
  refuseEndedTerm(input, expiresAt, term.basis, today);

  const persons: EntryForRules['persons'] = [];
  const addPerson = (role: EntryForRules['persons'][number]['role'], name: string, idNumber: string) => {
    const personKey = keyOf(idNumber);
    if (!persons.some((p) => p.personKey === personKey && p.role === role))
      persons.push({ role, personKey, masked: maskIdNumber(idNumber), name });
  };
  if (s.kind === 'enterprise' && s.legalRepresentative)
    addPerson('legal_representative', s.legalRepresentative.name, s.legalRepresentative.idNumber);
  for (const p of input.relatedPersons ?? []) addPerson(p.role, p.name, p.idNumber);

  const subjectForRules: EntryForRules['subject'] =
    s.kind === 'enterprise'
      ? { kind: 'enterprise', uscc: s.uscc, name: s.name }
      : { kind: 'person', personKey: keyOf(s.idNumber), masked: maskIdNumber(s.idNumber), name: s.name };

  const displaySubject: EnterpriseSubject | PersonSubject =
    s.kind === 'enterprise'
      ? {
          kind: 'enterprise',
          uscc: s.uscc,
          name: s.name,
          ...(s.legalRepresentative
            ? {
                legalRepresentative: {
                  name: s.legalRepresentative.name,
                  idNumberMasked: maskIdNumber(s.legalRepresentative.idNumber),
                },
              }
            : {}),
        }
      : { kind: 'person', name: s.name, idNumberMasked: maskIdNumber(s.idNumber) };

  const personKeys = new Set(persons.map((p) => p.personKey));
  if (subjectForRules.kind === 'person') personKeys.add(subjectForRules.personKey);

  return {
    forRules: {
      listType: input.listType,
      decidedAt: input.decidedAt,
      expiresAt: expiresAt ?? null,
      listingGround: input.listingGround ?? null,
      subject: subjectForRules,
      persons,
    },
    display: {
      subject: displaySubject,
      relatedPersons: (input.relatedPersons ?? []).map((p) => ({
        role: p.role,
        name: p.name,
        idNumberMasked: maskIdNumber(p.idNumber),
      })),
    },
    uscc: s.kind === 'enterprise' ? s.uscc : null,
    subjectName: s.name,
    personKeys: [...personKeys],
  };
}

/**
 * What normaliseEntry would also say of a body the schema already refused (so normaliseEntry never runs): wrongly
 * decoded text and identifiers whose check characters fail, so that every error of an entry is named at once.
 * Reads any shape; values of the wrong type are the schema's to report.
 */
export function entryTextAndIdentifierErrors(input: unknown): FieldError[] {
  const errors = garbledFieldsOf(input);
  const o = (input ?? {}) as { subject?: Record<string, unknown>; relatedPersons?: unknown };
  const check = (path: string, value: unknown, problem: (v: string) => MessageCode | null) => {
    const p = typeof value === 'string' ? problem(value) : null;
    if (p) errors.push(fieldError(path, p));
  };
  const s = o.subject && typeof o.subject === 'object' ? o.subject : {};
  check('subject.uscc', s.uscc, usccProblemCode);
  check('subject.idNumber', s.idNumber, idNumberProblemCode);
  const rep = s.legalRepresentative as { idNumber?: unknown } | undefined;
  check('subject.legalRepresentative.idNumber', rep?.idNumber, idNumberProblemCode);
  if (Array.isArray(o.relatedPersons))
    o.relatedPersons.forEach((p: { idNumber?: unknown } | null, i) =>
      check(`relatedPersons[${i}].idNumber`, p?.idNumber, idNumberProblemCode),
    );
  return errors;
}

/**
 * An entry whose term ended before the day it arrives would be stored active and issue orders due in weeks for a
 * listing that is over: 422 naming the end date and its basis. `historical: true` stores it, expired and without
 * orders, as a record; it is refused for a term that has not ended.
 */
function refuseEndedTerm(
  input: ListEntryInput,
  expiresAt: string | undefined,
  basis: MessageRef | undefined,
  today: string,
) {
  const ended = expiresAt !== undefined && expiresAt < today;
  if (input.historical && !ended)
    throw ValidationError.of('invalid_entry', [
      fieldError('historical', 'historical_not_ended', { today, end: expiresAt ?? '' }),
    ]);
  if (!input.historical && ended) {
    // the basis is itself a message, rendered in each language into the one parameter
    const b = basis ?? { code: 'term_given' };
    const params = { end: expiresAt, today, basis: textOf(b, 'en'), basisZh: textOf(b, 'zh') };
    throw UnprocessableError.of('invalid_entry', [fieldError('expiresAt', 'term_ended', params)]);
  }
}

/**
 * The last listed day under the entry's listing ground: the authority's expiresAt if given (within the longest
 * term the ground allows), else decidedAt + the term (+ any extension) − 1 day; undefined = until removal.
 * E.g. 失信被执行人 listed for evading enforcement on 2026-02-10: 2 years → 2028-02-09; extended by 1 → 2029-02-09.
 */
function termExpiry(
  input: ListEntryInput,
  grounds: readonly ListingGround[],
  bad: Bad,
): { expiresAt: string | undefined; basis?: MessageRef } {
  const given = input.expiresAt;
  if (input.listingGround === undefined) {
    if (input.termExtensionYears !== undefined) bad('termExtensionYears', 'extension_needs_ground');
    return { expiresAt: given };
  }
  const ofList = grounds.filter((g) => g.list === input.listType);
  const ground = ofList.find((g) => g.code === input.listingGround);
  if (!ground) {
    const known = ofList.map((g) => g.code).join(', ') || '—';
    bad('listingGround', 'ground_unknown', { list: input.listType, ground: input.listingGround, known });
    return { expiresAt: given };
  }
  const f = ground.inForce;
  if (f && (input.decidedAt < f.from || (f.until !== undefined && input.decidedAt > f.until))) {
    const basis = `${ground.basis.document} ${ground.basis.article}`;
    bad('listingGround', 'ground_not_in_force', { basis, from: f.from, until: f.until ?? '' });
    return { expiresAt: given };
  }
  const term = ground.term;
  if (term.type === 'until_removal') {
    if (input.termExtensionYears !== undefined) bad('termExtensionYears', 'ground_no_term', { ground: ground.code });
    if (given !== undefined) bad('expiresAt', 'ground_no_expiry', { ground: ground.code });
    return { expiresAt: given };
  }
  const ext = input.termExtensionYears;
  if (ext !== undefined && (!term.extension || ext < term.extension.minYears || ext > term.extension.maxYears)) {
    if (term.extension)
      bad('termExtensionYears', 'extension_range', {
        min: term.extension.minYears,
        max: term.extension.maxYears,
        ground: ground.code,
      });
    else bad('termExtensionYears', 'extension_none', { ground: ground.code });
    return { expiresAt: given };
  }
  const lastDay = (years: number) => addDays(addYears(input.decidedAt, years), -1);
  if (given !== undefined) {
    const longest = lastDay(term.years + (term.extension?.maxYears ?? 0));
    if (isIsoDate(given) && given > longest) bad('expiresAt', 'expiry_too_late', { longest, ground: ground.code });
    return { expiresAt: given };
  }
  const years = term.years + (ext ?? 0);
  return {
    expiresAt: lastDay(years),
    basis: {
      code: 'term_basis',
      params: {
        decidedAt: input.decidedAt,
        years,
        document: ground.basis.document,
        article: ground.basis.article,
        ground: ground.code,
        ext: ext ?? 0,
      },
    },
  };
}
