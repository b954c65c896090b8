import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { openapiFile, rulesDir } from '../src/paths';
import { BASIS_STRENGTHS, LIST_TYPES, OFFICER_ROLES, RELATED_ROLES } from '../src/rules/catalog-types';
import { loadRules } from '../src/rules/rule-loader';

/** The domain vocabularies live in one module; the spec's enums and rules/catalog.json must say the same. */
describe('domain vocabularies', () => {
  const spec = yaml.load(readFileSync(openapiFile, 'utf8')) as {
    components: { schemas: Record<string, { enum?: string[] }> };
  };
  const enumOf = (name: string) => spec.components.schemas[name]?.enum;
  const { catalog } = loadRules(rulesDir);

  it('lists', () => {
    expect(enumOf('ListType')).toEqual([...LIST_TYPES]);
    expect(catalog.lists.map((l) => l.code)).toEqual([...LIST_TYPES]);
  });
  it('related and officer roles', () => {
    expect(enumOf('RelatedRole')).toEqual([...RELATED_ROLES]);
    expect(catalog.relatedRoles.map((r) => r.code)).toEqual([...RELATED_ROLES]);
    expect(enumOf('OfficerRole')).toEqual([...OFFICER_ROLES]);
    expect(catalog.officerRoles.map((r) => r.code)).toEqual([...OFFICER_ROLES]);
  });
  it('basis strengths', () => {
    expect(enumOf('BasisStrength')).toEqual([...BASIS_STRENGTHS]);
  });
});
