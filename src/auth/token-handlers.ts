import type { Handlers } from '../http/operation';
import type { TokenService } from './token-service';

export function tokenHandlers(tokens: TokenService) {
  return {
    createDepartmentToken: async ({ params, body }, call) => ({ status: 201, body: await tokens.create(call, params.code, body?.label) }),
  } satisfies Partial<Handlers>;
}
