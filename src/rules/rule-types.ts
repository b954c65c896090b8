/**
 * The shape of rule files (rules/schema/memorandum.schema.json is the contract; these types mirror it for code).
 */
import type { components } from '../generated/openapi';

export type ListType = components['schemas']['ListType'];
export type RelatedRole = components['schemas']['RelatedRole'];
export type OfficerRole = components['schemas']['OfficerRole'];
/** Whom a measure lands on: the listed subject, or the entry's related persons in a role. */
export type Reach = 'subject' | RelatedRole;

export interface Basis {
  document: string;
  article: string;
  source?: string;
}

export type Duration = { type: 'while_listed'; note?: string } | { type: 'fixed'; years: number; from: 'decidedAt'; note?: string };

export interface CommonParams {
  code: string;
  name: string;
  nameEn: string;
  category?: string;
  department: string;
  departmentAsNamed?: string;
  basis: Basis[];
  reach: Reach[];
  duration: Duration;
  inForce?: { from: string; until?: string };
  provenance: 'verified' | 'provisional';
  provenanceNote?: string;
}

export type RuleEvent =
  | { type: 'measure'; params: CommonParams & { scenarios: string[] } }
  | { type: 'officer_ban'; params: CommonParams & { roles: OfficerRole[] } };

export interface RuleFileRule {
  name: string;
  conditions: Record<string, unknown>;
  event: RuleEvent;
}

export interface MemorandumMeta {
  id: string;
  kind: 'memorandum' | 'law';
  documentNo: string;
  title: string;
  titleEn: string;
  issuedOn?: string;
  signatories?: number;
  lists: ListType[];
  sources?: string[];
  notes?: string;
}

export interface RuleFile {
  memorandum: MemorandumMeta;
  rules: RuleFileRule[];
}

/** A rule as loaded: its file's memorandum, a stable id and a content hash. */
export interface LoadedRule {
  id: string;
  file: string;
  memorandum: MemorandumMeta;
  name: string;
  conditions: Record<string, unknown>;
  event: RuleEvent;
  /** List types the rule's conditions can match, derived from its listType conditions (all lists when it has none). */
  lists: ListType[];
  version: string;
}

export interface Named {
  code: string;
  name: string;
  nameEn: string;
  note?: string;
}

/** How long a listing lasts under a ground: until the authority removes it, or a term of years from decidedAt. */
export type ListingTerm =
  | { type: 'until_removal'; note?: string }
  | { type: 'fixed'; years: number; extension?: { minYears: number; maxYears: number }; earlyRemovalAfterYears?: number; note?: string };

/** A provision an entry may be listed under (rules/catalog.json listingGrounds): it fixes the listing's term. */
export interface ListingGround {
  list: ListType;
  code: string;
  name: string;
  nameEn: string;
  basis: Basis;
  term: ListingTerm;
  inForce?: { from: string; until?: string };
  provenance: 'verified' | 'provisional';
  provenanceNote?: string;
}

export interface Catalog {
  lists: Named[];
  scenarios: Named[];
  relatedRoles: Named[];
  officerRoles: Named[];
  listingGrounds?: ListingGround[];
}

export interface Department {
  code: string;
  name: string;
  nameEn: string;
  supervisor: boolean;
  authorityFor: ListType[];
  namedInMemoranda?: string[];
  note?: string;
}
