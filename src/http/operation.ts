import type { CallContext } from '../auth/principal';
import type { operations } from '../generated/openapi';
import type { Language } from '../i18n/messages';
import type { OutgoingText } from '../identity/id-number';

/**
 * The handler contract, derived from the generated `operations` of openapi/openapi.yaml: every operation has
 * exactly one handler (see assembleHandlers), which receives its validated request and returns one of the
 * responses the spec declares for it. Errors are thrown (src/errors.ts) and become problem+json in one place.
 */
export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];

type JsonOf<C> = C extends { 'application/json': infer B } ? B : C[keyof C];
type BodyOf<K extends OperationId> =
  Op<K> extends { requestBody: { content: infer C } }
    ? JsonOf<C>
    : Op<K> extends { requestBody?: { content: infer C } }
      ? JsonOf<C> | undefined
      : undefined;
type Params<K extends OperationId, In extends 'query' | 'path'> = Op<K>['parameters'][In];

/** The request of an operation after openapi-backend validated (and coerced) it. */
export interface RequestOf<K extends OperationId> {
  body: BodyOf<K>;
  query: NonNullable<Params<K, 'query'>> extends never ? Record<string, never> : NonNullable<Params<K, 'query'>>;
  params: NonNullable<Params<K, 'path'>> extends never ? Record<string, never> : NonNullable<Params<K, 'path'>>;
}

type Responses<K extends OperationId> = Op<K>['responses'];
/**
 * One answer per JSON, CSV or empty (e.g. 204) response the spec declares (problem+json answers come from thrown
 * errors instead). A CSV answer is streamed: its chunks are read while they are sent (src/http/api.ts), each
 * ending at a line end, and its headers name at least its Content-Type.
 */
type ResponseOf<K extends OperationId> = {
  [S in keyof Responses<K>]: Responses<K>[S] extends { content: { 'application/json': infer B } }
    ? { status: S; body: B; headers?: Record<string, string> }
    : Responses<K>[S] extends { content: { 'text/csv': unknown } }
      ? { status: S; stream: AsyncIterable<OutgoingText>; headers: Record<string, string> & { 'Content-Type': string } }
      : Responses<K>[S] extends { content?: never }
        ? { status: S; body?: undefined; headers?: Record<string, string> }
        : never;
}[keyof Responses<K>];

/**
 * The operations the spec declares `x-access: [public]`: their handlers get no principal. src/auth/access.ts
 * compares this list with the spec at start-up, so the two cannot disagree.
 */
export const PUBLIC_OPERATIONS = ['getHealth', 'getReadiness'] as const satisfies readonly OperationId[];
type PublicOperationId = (typeof PUBLIC_OPERATIONS)[number];

/** The request-scoped facts a handler gets; src/auth/access.ts has already admitted the caller. */
export interface Call extends CallContext {
  /** The request's Content-Type header as sent (the batch endpoints take JSON or CSV). */
  contentType?: string;
  /** The language the caller reads (Accept-Language: Chinese unless English is preferred), for messages in a 200. */
  language: Language;
}
export type CallOf<K extends OperationId> = K extends PublicOperationId ? Omit<Call, 'principal'> : Call;

type Handler<K extends OperationId> = (input: RequestOf<K>, call: CallOf<K>) => Promise<ResponseOf<K>>;
export type Handlers = { [K in OperationId]: Handler<K> };

type KeysOf<P extends readonly object[]> = P[number] extends infer U ? (U extends object ? keyof U : never) : never;
type Overlap<P extends readonly object[], Seen extends PropertyKey = never> = P extends readonly [
  infer H extends object,
  ...infer R extends readonly object[],
]
  ? (keyof H & Seen) | Overlap<R, Seen | keyof H>
  : never;
type Complete<P extends readonly object[]> = [Overlap<P>] extends [never]
  ? [Exclude<OperationId, KeysOf<P>>] extends [never]
    ? unknown
    : { missingHandlers: Exclude<OperationId, KeysOf<P>> }
  : { handledTwice: Overlap<P> };

/**
 * The whole handler table from each capability's part. The type refuses a part that handles an operation another
 * part already handles (a spread would let the later one win silently), and a set that leaves one unhandled.
 */
export function assembleHandlers<const P extends readonly Partial<Handlers>[]>(...parts: P & Complete<P>): Handlers {
  const all: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [id, handler] of Object.entries(part)) {
      if (id in all) throw new Error(`operation ${id} has two handlers`);
      all[id] = handler;
    }
  }
  return all as Handlers;
}
