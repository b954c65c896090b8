import type { Context } from 'openapi-backend';
import type { CallContext, Principal } from '../auth/principal';
import { UnauthenticatedError } from '../errors';
import type { operations } from '../generated/openapi';

/** What a handler returns; src/http/api.ts sends it (and, in tests, checks it against the spec). */
export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestCall {
  principal?: Principal;
  requestId?: string;
}

export type OperationId = keyof operations;
export type OperationHandler = (c: Context, call: RequestCall) => Promise<HttpResult> | HttpResult;
export type HandlerMap = Partial<Record<OperationId, OperationHandler>>;

/** The caller of an operation the spec secures; openapi-backend has already refused anonymous calls. */
export function authed(call: RequestCall): CallContext {
  if (!call.principal) throw new UnauthenticatedError('a bearer token is required');
  return { principal: call.principal, requestId: call.requestId };
}

type Op<K extends OperationId> = operations[K];
/** Typed access to the validated (and coerced) request of an operation. */
export type BodyOf<K extends OperationId> = Op<K> extends { requestBody: { content: { 'application/json': infer B } } } ? B : Op<K> extends { requestBody?: { content: { 'application/json': infer B } } } ? B | undefined : never;
export type QueryOf<K extends OperationId> = Op<K> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
export type PathOf<K extends OperationId> = Op<K> extends { parameters: { path: infer P } } ? P : never;

export function bodyOf<K extends OperationId>(c: Context, _op: K): BodyOf<K> {
  return c.request.requestBody as BodyOf<K>;
}
export function queryOf<K extends OperationId>(c: Context, _op: K): QueryOf<K> {
  return (c.request.query ?? {}) as QueryOf<K>;
}
export function pathOf<K extends OperationId>(c: Context, _op: K): PathOf<K> {
  return c.request.params as PathOf<K>;
}
