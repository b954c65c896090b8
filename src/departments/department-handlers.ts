import { authed, bodyOf, pathOf, type HandlerMap } from '../http/operation';
import type { DepartmentDirectory } from './department-directory';
import type { TokenService } from './token-service';

export function departmentHandlers(departments: DepartmentDirectory, tokens: TokenService): HandlerMap {
  return {
    listDepartments: () => ({
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
    createDepartmentToken: async (c, call) => {
      const { code } = pathOf(c, 'createDepartmentToken');
      const body = bodyOf(c, 'createDepartmentToken');
      return { status: 201, body: await tokens.create(authed(call), code, body?.label) };
    },
  };
}
