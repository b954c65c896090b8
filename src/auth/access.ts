import { z } from 'zod';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import type { Principal } from './principal';

/**
 * Who may call an operation, declared once per operation as `x-access` in openapi/openapi.yaml and checked here,
 * before its handler runs. A grant is one of:
 *   public                 no token needed (the spec's `security: []`)
 *   admin                  the administrator's token
 *   supervisor             a supervising department (信用办)
 *   department             any department's token
 *   {department: params.code}      the department a request field names
 *   {list_authority: <list>}       the authority for that list, or for the list a request field names
 *                                  ({list_authority: body.listType})
 * Whether a caller may touch one particular resource (its own order, its own entry) is the service's question:
 * only it has read the row.
 */
const FIELD = /^(body|query|params)\.([A-Za-z_][A-Za-z0-9_]*)$/;
const grantSchema = z.union([
  z.enum(['public', 'admin', 'supervisor', 'department']),
  z.strictObject({ department: z.string().regex(FIELD, 'must name a request field, e.g. params.code') }),
  z.strictObject({ list_authority: z.string().min(1) }),
]);
const accessSchema = z
  .array(grantSchema, {
    error: (i) =>
      i.input === undefined ? 'is missing: declare who may call it (grants: src/auth/access.ts)' : undefined,
  })
  .min(1);
export type Grant = z.infer<typeof grantSchema>;
const operationSchema = z.looseObject({
  operationId: z.string({ error: 'operationId is missing' }),
  summary: z.string().default(''),
  security: z.array(z.unknown()).optional(),
  'x-access': accessSchema,
  'x-access-note': z.string().optional(),
});
const pathsSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The request fields a grant may read: the validated input a handler gets. */
export interface AccessInput {
  body?: unknown;
  query?: unknown;
  params?: unknown;
}

type Test = (p: Principal, input: AccessInput) => boolean;
interface Rule {
  public: boolean;
  test: Test;
  refusal: (input: AccessInput) => string;
}

export interface DeclaredOperation {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  access: Grant[];
  /** x-access-note: what the service narrows further (its own order, its own entry), for the README. */
  note?: string;
  /** The spec's own `security: []` (no token); must agree with `public`. */
  securityNone: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Every operation of the document with its x-access, validated; a missing or malformed one stops start-up. */
export function declaredOperations(definition: { paths?: object }): DeclaredOperation[] {
  const out: DeclaredOperation[] = [];
  for (const [path, item] of Object.entries(pathsSchema.parse(definition.paths ?? {}))) {
    for (const method of METHODS) {
      if (item[method] === undefined) continue;
      const parsed = operationSchema.safeParse(item[method]);
      const where = `openapi/openapi.yaml ${method.toUpperCase()} ${path}`;
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${where}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
      }
      const { operationId, summary, security, 'x-access': access, 'x-access-note': note } = parsed.data;
      const isPublic = access.includes('public');
      if (isPublic && access.length > 1)
        throw new Error(`${where}: x-access public admits everyone; list nothing beside it`);
      const securityNone = security?.length === 0;
      if (isPublic !== securityNone) throw new Error(`${where}: x-access public and security: [] must go together`);
      out.push({ operationId, method, path, summary, access, note, securityNone });
    }
  }
  return out;
}

/** Reads `body.x`, `query.x` or `params.x` of a request (the schema allowed nothing else). */
const fieldOf = (ref: string) => {
  const [source, name = ''] = ref.split('.');
  const part = (input: AccessInput) =>
    source === 'body' ? input.body : source === 'query' ? input.query : input.params;
  return (input: AccessInput): unknown => {
    const value = part(input);
    return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
  };
};

function compile(grant: Grant): { test: Test; says: (input: AccessInput) => string } {
  if (grant === 'admin') return { test: (p) => p.kind === 'admin', says: () => 'the administrator' };
  if (grant === 'supervisor')
    return { test: (p) => p.kind === 'department' && p.department.supervisor, says: () => 'a supervising department' };
  if (grant === 'department' || grant === 'public')
    return { test: (p) => p.kind === 'department', says: () => 'a department' };
  if ('department' in grant) {
    const code = fieldOf(grant.department);
    return {
      test: (p, input) => p.kind === 'department' && p.department.code === code(input),
      says: () => 'the department itself',
    };
  }
  const list = FIELD.test(grant.list_authority) ? fieldOf(grant.list_authority) : () => grant.list_authority;
  return {
    test: (p, input) => p.kind === 'department' && p.department.authorityFor.some((l) => l === list(input)),
    says: (input) => `the authority for the ${String(list(input))} list`,
  };
}

function anyOf(tests: readonly Test[], p: Principal, input: AccessInput): boolean {
  for (const test of tests) if (test(p, input)) return true;
  return false;
}

/** The x-access of every operation, compiled once at start-up into one test per operation. */
export class AccessPolicy {
  private readonly rules = new Map<string, Rule>();

  constructor(operations: readonly DeclaredOperation[]) {
    for (const op of operations) {
      const compiled = op.access.map(compile);
      const tests = compiled.map((c) => c.test);
      const [only] = tests;
      // Checks run on every request (a hot path): any caller at all costs nothing, one grant is called directly.
      const anyCaller = op.access.includes('admin') && op.access.includes('department');
      const test: Test = anyCaller
        ? () => true
        : tests.length === 1 && only
          ? only
          : (p, input) => anyOf(tests, p, input);
      const refusal = (input: AccessInput) => `only ${compiled.map((c) => c.says(input)).join(' or ')} may do this`;
      this.rules.set(op.operationId, { public: op.access.includes('public'), test, refusal });
    }
  }

  publicOperations(): string[] {
    return [...this.rules].filter(([, r]) => r.public).map(([id]) => id);
  }

  /** Throws unless the caller may call the operation with this input (403; a missing token is a 401). */
  check(operationId: string, principal: Principal | undefined, input: AccessInput): void {
    const rule = this.rules.get(operationId);
    if (!rule) throw new Error(`operation ${operationId} declares no x-access`);
    if (rule.public) return;
    if (!principal) throw new UnauthenticatedError('a bearer token is required');
    if (!rule.test(principal, input)) throw new ForbiddenError(rule.refusal(input));
  }
}
