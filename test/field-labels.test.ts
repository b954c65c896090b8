import { openapiDefinition } from '../src/http/definition';
import { fieldLabel, fieldNamerOf } from '../src/i18n/field-labels';

type Schema = { $ref?: string; properties?: Record<string, unknown>; items?: Schema };
type Parameter = { $ref?: string; in?: string; name?: string };
type Operation = {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

const HAN = /\p{Script=Han}/u;
const doc = openapiDefinition() as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
};
const deref = (s: Schema | undefined): Schema | undefined =>
  s?.$ref ? deref(doc.components.schemas[s.$ref.split('/').pop() as string]) : s;

/** Every field a caller sends, by operation: query parameters and the top-level fields of a JSON body (or its items). */
function fieldsSent(): [string, string][] {
  const out: [string, string][] = [];
  for (const ops of Object.values(doc.paths))
    for (const op of Object.values(ops)) {
      if (typeof op !== 'object' || !op.operationId) continue;
      for (const p of op.parameters ?? []) {
        const param = p.$ref ? doc.components.parameters[p.$ref.split('/').pop() as string] : p;
        if (param?.in === 'query' && param.name) out.push([op.operationId, param.name]);
      }
      const body = deref(op.requestBody?.content?.['application/json']?.schema);
      const props = body?.properties ?? deref(body?.items)?.properties;
      for (const name of Object.keys(props ?? {})) out.push([op.operationId, name]);
    }
  return out;
}

describe('the Chinese names of the fields in messages', () => {
  it('names every field a request sends in Chinese, never by its API name', () => {
    const unnamed = fieldsSent().filter(([operationId, name]) => !HAN.test(fieldNamerOf(operationId)(name)));
    expect(unnamed).toEqual([]);
  });

  it("names a request's own reason as that request does, an entry's reason as the listing's", () => {
    expect(fieldNamerOf('createListEntry')('reason')).toBe('列入原因');
    expect(fieldNamerOf('removeListEntry')('reason')).toBe('移出原因');
    expect(fieldNamerOf('correctListEntry')('reason')).toBe('更正原因');
    expect(fieldNamerOf('correctListEntry')('changes.reason')).toBe('列入原因');
    expect(fieldLabel('relatedPersons[1].idNumber')).toBe('关联人员（第 2 人）的身份证号');
  });
});
