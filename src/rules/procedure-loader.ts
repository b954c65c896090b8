import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RuleFileError } from '../errors';
import type { ListProcedure, ProcedureBasisRef, ProcedureFile, ProcedureStep } from '../generated/rule-files';
import type { Department, ListType } from './rule-types';

/** The procedure of one list, under its authority (rules/procedures/<authority>.json). */
export interface LoadedProcedure extends ListProcedure {
  authority: string;
  file: string;
}

/**
 * Checks what the schema cannot: the authority is a department and the authority for each list it describes; every
 * list has exactly one procedure; a step without a deadline says why (notGiven); a verified basis quotes its text, and
 * every quote is found, word for word, in the file under rules/texts/ it names.
 */
export function checkProcedures(
  rulesDir: string,
  display: (f: string) => string,
  files: { file: string; data: ProcedureFile }[],
  departments: Department[],
  lists: ListType[],
): Map<ListType, LoadedProcedure> {
  const out = new Map<ListType, LoadedProcedure>();
  const texts = new Map<string, string>();
  const textOf = (rel: string) => {
    if (!texts.has(rel)) {
      const file = path.join(rulesDir, rel);
      texts.set(rel, existsSync(file) ? readFileSync(file, 'utf8') : '');
    }
    return texts.get(rel) as string;
  };
  for (const { file, data } of files) {
    const shown = display(file);
    const dept = departments.find((d) => d.code === data.authority);
    if (!dept) throw new RuleFileError(shown, 'authority', `unknown department "${data.authority}"`);
    data.procedures.forEach((p, i) => {
      const at = `procedures[${i}]`;
      const list = p.listType as ListType;
      if (!lists.includes(list)) throw new RuleFileError(shown, `${at}.listType`, `unknown list type "${p.listType}"`);
      if (!dept.authorityFor.includes(list))
        throw new RuleFileError(shown, `${at}.listType`, `${data.authority} is not the authority for ${list}`);
      if (out.has(list))
        throw new RuleFileError(shown, `${at}.listType`, `${list} already has a procedure in ${out.get(list)?.file}`);
      const steps: [string, ProcedureStep | undefined][] = [
        ['objection.window', p.objection.window],
        ['objection.accept', p.objection.accept],
        ['objection.decide', p.objection.decide],
        ['restoration.eligibleAfter', p.restoration.eligibleAfter],
        ['restoration.decide', p.restoration.decide],
        ['restoration.decideViaCreditChina', p.restoration.decideViaCreditChina],
        ['revocation.complete', p.revocation.complete],
      ];
      for (const [name, step] of steps) {
        if (!step) continue;
        if (step.deadline === null && !step.notGiven)
          throw new RuleFileError(
            shown,
            `${at}.${name}.notGiven`,
            'a step without a deadline must say why none is given',
          );
        if (step.deadline !== null && step.basis.length === 0)
          throw new RuleFileError(shown, `${at}.${name}.basis`, 'a deadline needs the text that gives it');
        step.basis.forEach((b, j) => checkBasis(b, `${at}.${name}.basis[${j}]`));
      }
      if (!p.restoration.allowed && !p.restoration.notAllowedBasis?.length)
        throw new RuleFileError(
          shown,
          `${at}.restoration.notAllowedBasis`,
          'a list without restoration needs its basis',
        );
      p.restoration.notAllowedBasis?.forEach((b, j) => checkBasis(b, `${at}.restoration.notAllowedBasis[${j}]`));
      out.set(list, { ...p, authority: data.authority, file: shown });
    });

    function checkBasis(b: ProcedureBasisRef, field: string): void {
      if (b.grade === 'verified' && !(b.text && b.quote))
        throw new RuleFileError(shown, field, 'a verified basis quotes its text (text and quote)');
      if (b.text && !existsSync(path.join(rulesDir, b.text)))
        throw new RuleFileError(shown, `${field}.text`, `no file ${b.text} under rules/`);
      if (b.quote && (!b.text || !textOf(b.text).includes(b.quote)))
        throw new RuleFileError(shown, `${field}.quote`, `is not found word for word in ${b.text ?? '(no text)'}`);
    }
  }
  const missing = lists.filter((l) => !out.has(l));
  if (missing.length)
    throw new RuleFileError(display(path.join(rulesDir, 'procedures')), '', `no procedure for ${missing.join(', ')}`);
  return out;
}

/** The procedure files, in name order. */
export function procedureFiles(rulesDir: string): string[] {
  const dir = path.join(rulesDir, 'procedures');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}
