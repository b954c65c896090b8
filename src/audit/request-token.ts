import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The token behind the current request, for audit rows: every service writes its audit rows with the department
 * as actor, and recordAudit adds the token id from here, so a row says which of a department's tokens acted
 * without threading the token through every service signature. Outside a request (jobs, the import CLI) it is unset.
 */
const current = new AsyncLocalStorage<{ tokenId: string }>();

export function withRequestToken<T>(tokenId: string | undefined, fn: () => T): T {
  return tokenId ? current.run({ tokenId }, fn) : fn();
}

export function requestTokenId(): string | undefined {
  return current.getStore()?.tokenId;
}
