import { authed, bodyOf, pathOf, queryOf, type HandlerMap } from '../http/operation';
import type { CheckService } from './check-service';

export function checkHandlers(checks: CheckService): HandlerMap {
  return {
    checkEnterprise: async (c, call) => {
      authed(call);
      return { status: 200, body: await checks.enterprise(pathOf(c, 'checkEnterprise').uscc, queryOf(c, 'checkEnterprise').scenario) };
    },
    checkOfficer: async (c, call) => {
      authed(call);
      const { idNumber, role } = bodyOf(c, 'checkOfficer');
      return { status: 200, body: await checks.officer(idNumber, role) };
    },
  };
}
