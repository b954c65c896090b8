import type { Department, ListType } from '../rules/rule-types';
import { NotFoundError } from '../errors';

/** The departments loaded from rules/departments.json, by code. */
export class DepartmentDirectory {
  private readonly byCode: Map<string, Department>;

  constructor(readonly all: readonly Department[]) {
    this.byCode = new Map(all.map((d) => [d.code, d]));
  }

  find(code: string): Department | undefined {
    return this.byCode.get(code);
  }

  get(code: string): Department {
    const d = this.byCode.get(code);
    if (!d) throw NotFoundError.coded('no_department_code', { code });
    return d;
  }

  isAuthorityFor(code: string, listType: ListType): boolean {
    return this.byCode.get(code)?.authorityFor.includes(listType) ?? false;
  }
}
