import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AccessPolicy, declaredOperations } from '../src/auth/access';
import { renderAccessTable, withAccessTable } from '../src/auth/access-markdown';
import type { Principal } from '../src/auth/principal';
import { DepartmentDirectory } from '../src/departments/department-directory';
import { ForbiddenError } from '../src/errors';
import { openapiDefinition } from '../src/http/definition';
import { PUBLIC_OPERATIONS } from '../src/http/operation';
import { projectRoot, rulesDir } from '../src/paths';
import { loadRules } from '../src/rules/rule-loader';

/** x-access in openapi/openapi.yaml: declared once per operation, checked in one place, documented from itself. */
const operations = declaredOperations(openapiDefinition());
const policy = new AccessPolicy(operations);
const departments = new DepartmentDirectory(loadRules(rulesDir).departments);
const as = (code: string): Principal => ({ kind: 'department', department: departments.get(code), tokenId: 't' });
const ADMIN: Principal = { kind: 'admin' };
const allowed = (op: string, p: Principal | undefined, input = {}) => {
  try {
    policy.check(op, p, input);
    return true;
  } catch (e) {
    if (e instanceof ForbiddenError) return false;
    throw e;
  }
};

describe('access declared once per operation (x-access)', () => {
  it('README.md shows the table npm run docs:access writes from the spec (run it when an x-access changes)', () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    expect(readme).toBe(withAccessTable(readme, renderAccessTable(operations)));
  });

  it('every operation declares its access; the public ones are exactly those without security', () => {
    expect(operations.length).toBeGreaterThanOrEqual(22);
    expect(
      operations
        .filter((o) => o.access.includes('public'))
        .map((o) => o.operationId)
        .sort(),
    ).toEqual([...PUBLIC_OPERATIONS].sort());
    for (const o of operations) expect(o.access.includes('public')).toBe(o.securityNone);
  });

  it('refuses a document with an operation that declares no access, or public access with a token required', () => {
    const doc = (op: object) => ({ paths: { '/x': { get: { operationId: 'x', ...op } } } });
    expect(() => declaredOperations(doc({}))).toThrow(/GET \/x: x-access/);
    expect(() => declaredOperations(doc({ 'x-access': ['public'] }))).toThrow(/security: \[\] must go together/);
    expect(() => declaredOperations(doc({ 'x-access': ['admin'], security: [] }))).toThrow(/must go together/);
    expect(() => declaredOperations(doc({ 'x-access': [{ department: 'code' }] }))).toThrow(/request field/);
  });

  it('admits by role, by a list named in the body, and by the department a path names', () => {
    expect(allowed('createDepartmentToken', ADMIN)).toBe(true);
    expect(allowed('createDepartmentToken', as('ndrc'))).toBe(false);
    expect(allowed('getFeedbackReport', as('ndrc'))).toBe(true);
    expect(allowed('getFeedbackReport', as('mof'))).toBe(false);
    expect(allowed('createListEntry', as('samr'), { body: { listType: 'serious_violation' } })).toBe(true);
    expect(allowed('createListEntry', as('samr'), { body: { listType: 'dishonest_debtor' } })).toBe(false);
    expect(allowed('createListEntry', ADMIN, { body: { listType: 'serious_violation' } })).toBe(false);
    expect(allowed('putDepartmentWebhook', as('mof'), { params: { code: 'mof' } })).toBe(true);
    expect(allowed('putDepartmentWebhook', as('samr'), { params: { code: 'mof' } })).toBe(false);
    expect(allowed('listSeriousViolationProposals', as('samr'))).toBe(true);
    expect(allowed('listSeriousViolationProposals', as('spc'))).toBe(false);
    expect(allowed('getHealth', undefined)).toBe(true);
    expect(() => policy.check('listRules', undefined, {})).toThrow(/bearer token/);
  });

  it('says who may, in the refusal', () => {
    expect(() => policy.check('createListEntry', as('mof'), { body: { listType: 'abnormal_operations' } })).toThrow(
      'only the authority for the abnormal_operations list may do this',
    );
    expect(() => policy.check('getFeedbackReport', as('mof'), {})).toThrow(
      'only the administrator or a supervising department may do this',
    );
  });
});
