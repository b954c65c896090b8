import type { Department } from '../rules/rule-types';
import { ForbiddenError } from '../errors';

/** Who is calling: the administrator, or a department through one of its tokens. */
export type Principal = { kind: 'admin' } | { kind: 'department'; department: Department; tokenId: string };

export function actorOf(p: Principal): string {
  return p.kind === 'admin' ? 'admin' : p.department.code;
}

export function isSupervisorOrAdmin(p: Principal): boolean {
  return p.kind === 'admin' || p.department.supervisor;
}

export function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw new ForbiddenError('only the administrator may do this');
}

export function requireSupervisorOrAdmin(p: Principal): void {
  if (!isSupervisorOrAdmin(p)) throw new ForbiddenError('only a supervising department or the administrator may do this');
}

/** The request-scoped facts every service call gets. */
export interface CallContext {
  principal: Principal;
  requestId?: string;
}
