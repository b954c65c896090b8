import { ForbiddenError } from '../errors';

/**
 * What auth needs to know of a department (rules/departments.json says more; src/departments holds it all).
 * Structural, so auth imports neither departments/ nor rules/ and no folder cycle runs through it.
 */
interface Department {
  code: string;
  supervisor: boolean;
  authorityFor: readonly string[];
}

/** The departments by code, as auth needs them (src/departments/department-directory.ts is one). */
export interface DepartmentLookup {
  find(code: string): Department | undefined;
  /** The department, or a NotFoundError. */
  get(code: string): Department;
}

/** Who is calling: the administrator, or a department through one of its tokens. */
export type Principal = { kind: 'admin' } | { kind: 'department'; department: Department; tokenId: string };

export function actorOf(p: Principal): string {
  return p.kind === 'admin' ? 'admin' : p.department.code;
}

export function isSupervisorOrAdmin(p: Principal): boolean {
  return p.kind === 'admin' || p.department.supervisor;
}

/**
 * The department a caller acts as, for operations whose x-access admits departments only (src/auth/access.ts has
 * refused the others already; this narrows the type and guards a wrong declaration).
 */
export function actingDepartment(p: Principal): string {
  if (p.kind !== 'department') throw ForbiddenError.coded('department_token_only');
  return p.department.code;
}

/** The request-scoped facts every service call gets. */
export interface CallContext {
  principal: Principal;
  requestId?: string;
}
