// The dashboard's types, all derived from the server's generated OpenAPI types (src/generated/openapi.ts, made by
// `npm run gen:types` from openapi/openapi.yaml): the pages are checked against the same contract as the server, by
// `tsc -p tsconfig.dashboard.json` in npm test. Nothing here is a second copy of a shape.
import type { components, paths } from '../../src/generated/openapi';

export type Schemas = components['schemas'];
export type Paths = paths;

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of a path's GET 200 answer. */
export type GetAnswer<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } }
  ? Json<R>
  : never;

/** The JSON body of a path's POST answer (200 or 201). */
export type PostAnswer<P extends keyof paths> = paths[P] extends { post: { responses: infer Rs } }
  ? Json<Rs[keyof Rs & (200 | 201)]>
  : never;

/** The JSON body a path's POST takes. */
export type PostBody<P extends keyof paths> = paths[P] extends {
  post: { requestBody: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

/** The query parameters of a path's GET. */
export type GetQuery<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? Q : never;
