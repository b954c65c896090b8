import type { OrganisationKind } from '../generated/rule-files';
import type { BasisRef, BasisStrength, Citation, CitedDocument, DocumentVersion, LoadedRule } from './rule-types';

/**
 * Bases as the answers give them. A rule file names a document version (rules/documents.json) and an article;
 * the citation carries the version's date, the dates it governs, the document's kind and the quoted text.
 */
export interface VersionEntry {
  document: CitedDocument;
  version: DocumentVersion;
}

export function citationOf(ref: BasisRef, entry: VersionEntry): Citation {
  const v = entry.version;
  return {
    document: ref.document ?? v.cite,
    article: ref.article,
    kind: entry.document.kind,
    ...(v.date ? { version: v.date } : {}),
    ...(v.inForce ? { inForce: v.inForce } : {}),
    ...(ref.text ? { text: ref.text } : {}),
    ...(ref.note ? { note: ref.note } : {}),
  };
}

const RANK: Record<Citation['kind'], number> = {
  law: 5,
  regulation: 4,
  central_policy: 3,
  judicial_interpretation: 2,
  memorandum: 1,
};

/** The strongest kind among a measure's bases (国办发〔2020〕49号); memoranda alone give memorandum_only. */
export function strengthOf(basis: readonly Citation[]): BasisStrength {
  const best = [...basis].sort((a, b) => RANK[b.kind] - RANK[a.kind])[0];
  return !best || best.kind === 'memorandum' ? 'memorandum_only' : best.kind;
}

/**
 * The citations that governed a decision taken on `date`: each version applies while it was in force. When every one
 * did, the basis itself (not a copy: the planner calls this for each of the ~40 measures of every entry imported).
 */
export function citationsOn(basis: readonly Citation[], date: string): readonly Citation[] {
  const inForce = (c: Citation) =>
    !c.inForce || (date >= c.inForce.from && (c.inForce.until === undefined || date <= c.inForce.until));
  return basis.every(inForce) ? basis : basis.filter(inForce);
}

export const basisText = (b: { document: string; article: string }) => `${b.document} ${b.article}`;

/**
 * For answers built from stored rows (checks): the rows keep each measure's basis as "document article" strings,
 * resolved on the entry's decision date; this finds the citations (with version and text) those strings name.
 */
export interface CitationLookup {
  citations(code: string, basis: readonly string[]): Citation[];
  strength(code: string): BasisStrength | undefined;
  /** the rule's provenance: verified, or provisional (its gaps are in GET /v1/rules) */
  status(code: string): 'verified' | 'provisional' | undefined;
  /** officer bans: the kinds of organisation the ban reaches, when only some */
  appliesTo(code: string): OrganisationKind[] | undefined;
  /** the roles a measure reaches besides the subject (how a person is reached through a listed company) */
  reach(code: string): string[];
}

export function citationLookup(rules: readonly LoadedRule[]): CitationLookup {
  const byCode = new Map(rules.map((r) => [r.event.params.code, r.event]));
  return {
    citations: (code, basis) => {
      const cited = new Set(basis);
      return (byCode.get(code)?.params.basis ?? []).filter((c) => cited.has(basisText(c)));
    },
    strength: (code) => byCode.get(code)?.params.basisStrength,
    status: (code) => byCode.get(code)?.params.provenance,
    appliesTo: (code) => {
      const event = byCode.get(code);
      return event?.type === 'officer_ban' ? event.params.appliesTo : undefined;
    },
    reach: (code) => (byCode.get(code)?.params.reach ?? []).filter((r) => r !== 'subject'),
  };
}
