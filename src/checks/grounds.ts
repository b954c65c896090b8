import type { components } from '../generated/openapi';
import type { BanHit, RestrictionHit } from './check-store';

type Ground = components['schemas']['Ground'];

/** Display names a ground carries beside its codes. */
export interface GroundNames {
  listType(code: string): string;
  department(code: string): string;
}

type GroundRow = Omit<RestrictionHit, 'uscc'> | BanHit;

/**
 * The entries that ground one restriction or ban, as a desk files them: who listed whom, under which decision, from
 * when until when. A person reached through a listed company carries `via` (the company, and the role the person
 * holds in it): from the ban's stored role, or, for a restriction, the role under which the entry names a person
 * with the asked ID number's masked form (the only role the measure reaches when the entry does not say).
 */
export function groundsOf(
  rows: readonly GroundRow[],
  names: GroundNames,
  personMasked?: string,
  reachedRoles: readonly string[] = [],
): Ground[] {
  return rows.map((r) => {
    const via = r.subject_kind === 'enterprise' && r.entry_uscc ? viaOf(r, personMasked, reachedRoles) : undefined;
    return {
      entryId: r.entry_id,
      listType: r.list_type as Ground['listType'],
      listTypeName: names.listType(r.list_type),
      authority: r.authority,
      authorityName: names.department(r.authority),
      decisionNo: r.decision_no,
      decidedAt: r.decided_at,
      listedFrom: r.listed_from,
      until: r.until,
      subjectName: r.subject_name,
      ...(via ? { via } : {}),
    };
  });
}

function viaOf(r: GroundRow, personMasked: string | undefined, reachedRoles: readonly string[]) {
  const company = { uscc: r.entry_uscc as string, name: r.subject_name };
  if ('reached_as' in r) return r.reached_as === 'subject' ? undefined : { role: r.reached_as, ...company };
  if (personMasked === undefined) return undefined;
  const named = [
    ...(r.entry_subject.legalRepresentative
      ? [{ role: 'legal_representative', idNumberMasked: r.entry_subject.legalRepresentative.idNumberMasked }]
      : []),
    ...r.entry_related,
  ].find((p) => p.idNumberMasked === personMasked && (reachedRoles.length === 0 || reachedRoles.includes(p.role)));
  const role = named?.role ?? (reachedRoles.length === 1 ? reachedRoles[0] : undefined);
  return role ? { role, ...company } : undefined;
}
