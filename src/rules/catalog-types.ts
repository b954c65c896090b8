/**
 * The domain's closed vocabularies, shared by the rules and the HTTP contract: the lists, the roles a person can
 * have on an entry, the offices a ban bars, and the kinds of legal basis. openapi/openapi.yaml repeats these enums
 * (a spec is YAML); test/catalog-types.test.ts fails when the spec, rules/catalog.json and this module disagree.
 * Scenarios are an open set kept in rules/catalog.json, so they are plain codes here.
 */
export const LIST_TYPES = ['abnormal_operations', 'serious_violation', 'dishonest_debtor', 'license_revoked'] as const;
export type ListType = (typeof LIST_TYPES)[number];

/** Persons an entry names besides its subject (the enterprise's legal representative included). */
export const RELATED_ROLES = [
  'legal_representative',
  'principal',
  'actual_controller',
  'directly_responsible',
] as const;
export type RelatedRole = (typeof RELATED_ROLES)[number];

/** Offices an officer ban bars. */
export const OFFICER_ROLES = ['legal_representative', 'director', 'supervisor', 'senior_manager'] as const;
export type OfficerRole = (typeof OFFICER_ROLES)[number];

/** Whom a measure lands on: the listed subject, or the entry's related persons in a role. */
export type Reach = 'subject' | RelatedRole;

/**
 * The strongest kind of basis a measure has. 国办发〔2020〕49号: a measure that reduces rights or adds duties needs a
 * law, an administrative regulation or a central (党中央、国务院) policy document; a judicial interpretation binds
 * the courts, and a measure resting only on a memorandum between departments is flagged, not applied as law.
 */
export const BASIS_STRENGTHS = [
  'law',
  'regulation',
  'central_policy',
  'judicial_interpretation',
  'memorandum_only',
] as const;
export type BasisStrength = (typeof BASIS_STRENGTHS)[number];
