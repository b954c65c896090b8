import type { components } from '../generated/openapi';
import { ValidationError } from '../errors';
import type { RuleEngine } from './rule-engine';
import { memorandaOf } from './memorandum-summary';
import type { LoadedRule } from './rule-types';

type Rule = components['schemas']['Rule'];

/** The loaded rules as the API shows them, with the filters a credit office uses to read them. */
export class RuleCatalogService {
  constructor(private readonly engine: RuleEngine) {}

  list(f: { memorandum?: string; listType?: string; department?: string; scenario?: string }): {
    version: string;
    items: Rule[];
  } {
    const { rules, catalog, departments } = this.engine.loaded;
    if (f.scenario !== undefined && !catalog.scenarios.some((s) => s.code === f.scenario))
      throw ValidationError.coded('scenario', 'unknown_scenario', { scenario: f.scenario });
    if (f.department !== undefined && !departments.some((d) => d.code === f.department))
      throw ValidationError.coded('department', 'unknown_department', { code: f.department });
    const items = rules
      .filter(
        (r) =>
          f.memorandum === undefined || r.memorandum.id === f.memorandum || r.memorandum.documentNo === f.memorandum,
      )
      .filter((r) => f.listType === undefined || r.lists.includes(f.listType as never))
      .filter((r) => f.department === undefined || r.event.params.department === f.department)
      .filter(
        (r) =>
          f.scenario === undefined || (r.event.type === 'measure' && r.event.params.scenarios.includes(f.scenario)),
      )
      .map(toRule);
    return { version: this.engine.version, items };
  }

  memoranda(): components['schemas']['Memorandum'][] {
    return memorandaOf(this.engine.loaded);
  }
}

function toRule(r: LoadedRule): Rule {
  const p = r.event.params;
  return {
    id: r.id,
    memorandum: r.memorandum.id,
    documentNo: r.memorandum.documentNo,
    kind: r.event.type,
    code: p.code,
    name: p.name,
    nameEn: p.nameEn,
    ...(p.category ? { category: p.category } : {}),
    department: p.department,
    ...(p.departmentAsNamed ? { departmentAsNamed: p.departmentAsNamed } : {}),
    lists: r.lists,
    scenarios: r.event.type === 'measure' ? r.event.params.scenarios : [],
    ...(r.event.type === 'officer_ban' ? { roles: r.event.params.roles } : {}),
    reach: p.reach,
    basis: p.basis,
    basisStrength: p.basisStrength,
    duration: p.duration,
    ...(p.inForce ? { inForce: p.inForce } : {}),
    provenance: p.provenance,
    ...(p.provenanceNote ? { provenanceNote: p.provenanceNote } : {}),
    ...(p.provenanceGaps ? { provenanceGaps: p.provenanceGaps } : {}),
    ...(r.event.type === 'officer_ban' && r.event.params.appliesTo ? { appliesTo: r.event.params.appliesTo } : {}),
    version: r.version,
  };
}
