/**
 * The rule model. File shapes come from rules/schema/*.json (generated into src/generated/rule-files.ts, one
 * source); what the loader builds from them — resolved citations, engine rules — is declared here.
 */
import type * as files from '../generated/rule-files';
import type { BasisStrength, ListType, OfficerRole, Reach } from './catalog-types';

export type { BasisStrength, ListType, OfficerRole, Reach, RelatedRole } from './catalog-types';
export type {
  BasisRef,
  Duration,
  FileRule,
  MemorandumMeta,
  RuleDefaults,
  RuleFile,
  When,
} from '../generated/rule-files';

type Named = files.Named1;
type InForce = files.InForce;
export type ListingGround = Omit<files.ListingGround, 'list'> & { list: ListType };
export type Department = Omit<files.Department, 'authorityFor'> & { authorityFor: ListType[] };
export type CitedDocument = files.CitedDocument;
export type DocumentVersion = files.DocumentVersion;
export type ListTransition = Omit<files.ListTransition, 'from' | 'to'> & { from: ListType; to: ListType };

/** A basis as answers and the catalogue give it: the document's version, the article, and its text when held. */
export interface Citation {
  document: string;
  article: string;
  kind: files.BasisKind;
  /** the version's date, e.g. 2014-08-07 */
  version?: string;
  /** decisions taken in this range are governed by this version; absent = any date */
  inForce?: InForce;
  text?: string;
  note?: string;
}

interface CommonParams {
  code: string;
  name: string;
  nameEn: string;
  category?: string;
  department: string;
  departmentAsNamed?: string;
  /** every version the measure cites; citationsOn() picks those in force on a decision date */
  basis: Citation[];
  basisStrength: BasisStrength;
  reach: Reach[];
  duration: files.Duration;
  inForce?: InForce;
  provenance: 'verified' | 'provisional';
  provenanceNote?: string;
  /** what was not read or checked in a basis (rule files' `gap`), kept out of the citations */
  provenanceGaps?: { document: string; article: string; gap: string }[];
  feedbackDueWorkingDays?: number;
}

export type RuleEvent =
  | { type: 'measure'; params: CommonParams & { scenarios: string[] } }
  | { type: 'officer_ban'; params: CommonParams & { roles: OfficerRole[]; appliesTo?: files.OrganisationKind[] } };

/** A rule as loaded: its file's memorandum, a stable id, json-rules-engine conditions and a content hash. */
export interface LoadedRule {
  id: string;
  file: string;
  memorandum: files.MemorandumMeta;
  /** the rule in one English sentence */
  name: string;
  conditions: Record<string, unknown>;
  event: RuleEvent;
  /** List types the rule's conditions can match, derived from its listType conditions (all lists when it has none). */
  lists: ListType[];
  /** words each quoted basis text must contain (checked by test/rules-texts.test.ts, not used at run time) */
  keywords: string[];
  /** the rules/documents.json version id of each event.params.basis entry, in the same order */
  basisVersions: string[];
  version: string;
}

export interface Catalog {
  lists: Named[];
  scenarios: Named[];
  relatedRoles: Named[];
  officerRoles: Named[];
  listingGrounds?: ListingGround[];
  transitions?: ListTransition[];
}
