import type { TokenService } from '../auth/token-service';
import type { Handlers } from '../http/operation';
import type { DepartmentDirectory } from './department-directory';

export function departmentHandlers(departments: DepartmentDirectory, tokens: TokenService) {
  return {
    listDepartments: async () => ({
      status: 200,
      body: {
        items: departments.all.map((d) => ({
          code: d.code,
          name: d.name,
          nameEn: d.nameEn,
          supervisor: d.supervisor,
          authorityFor: d.authorityFor,
          ...(d.namedInMemoranda ? { namedInMemoranda: d.namedInMemoranda } : {}),
        })),
      },
    }),
    getCaller: async (_input, { principal }) => {
      if (principal.kind === 'admin') return { status: 200, body: { kind: 'admin' } };
      const d = departments.get(principal.department.code);
      const { code, name, nameEn, supervisor, authorityFor } = d;
      const department = { code, name, nameEn, supervisor, authorityFor };
      return { status: 200, body: { kind: 'department', department } };
    },
    createDepartmentToken: async ({ params, body }, call) => ({
      status: 201,
      body: await tokens.create(call, params.code, body ?? {}),
    }),
    listDepartmentTokens: async ({ params }, call) => ({ status: 200, body: await tokens.list(call, params.code) }),
    revokeDepartmentToken: async ({ params }, call) => {
      await tokens.revoke(call, params.code, params.id);
      return { status: 204 as const };
    },
  } satisfies Partial<Handlers>;
}
