import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedRules } from '../../src/rules/rule-loader';

/**
 * Checks every quoted basis against the text it quotes (rules/texts/): the cited article exists in that version,
 * the quote is in it word for word (segments separated by …… in order), and the quote mentions the measure
 * (one of the rule's keywords). Returns one line per problem; an empty list means every quote holds.
 */
const ARTICLE = /^第([零〇一二三四五六七八九十百千]+)条/;

/** A law text's articles by number ("第十八条" → its text), from lines that start an article. */
export function articlesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const m = ARTICLE.exec(line);
    if (m) {
      current = `第${m[1]}条`;
      out.set(current, line);
    } else if (/^#/.test(line) || /^第[一二三四五六七八九十]+[章节]/.test(line)) {
      current = undefined;
    } else if (current && line.trim()) {
      out.set(current, `${out.get(current)}\n${line}`);
    }
  }
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, '');

function inOrder(haystack: string, quote: string): boolean {
  let from = 0;
  for (const part of quote.split('……').map(squash).filter(Boolean)) {
    const at = haystack.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

export function quoteProblems(loaded: LoadedRules, rulesDir: string): string[] {
  const problems: string[] = [];
  const read = new Map<string, string>();
  const textOf = (file: string) =>
    read.get(file) ?? (read.set(file, readFileSync(path.join(rulesDir, file), 'utf8')), read.get(file) as string);
  const check = (
    who: string,
    versionId: string | undefined,
    article: string,
    text: string | undefined,
    keywords: string[],
  ) => {
    const entry = versionId ? loaded.documents.get(versionId) : undefined;
    const file = entry?.version.text;
    if (!file) {
      if (text) problems.push(`${who}: quotes ${versionId}, whose text is not held`);
      return;
    }
    const isLaw = file.startsWith('texts/laws/');
    if (!text) {
      // every basis citing a law or regulation whose text we hold must quote it
      if (isLaw) problems.push(`${who}: cites ${versionId} ${article} without quoting it`);
      return;
    }
    if (isLaw) {
      const number = ARTICLE.exec(article)?.[0];
      const body = number ? articlesOf(textOf(file)).get(number) : undefined;
      if (!body) problems.push(`${who}: ${versionId} has no ${number ?? article}`);
      else if (!inOrder(squash(body), text)) problems.push(`${who}: the quote is not in ${versionId} ${number}`);
    } else if (!inOrder(squash(textOf(file)), text)) {
      problems.push(`${who}: the quote is not in ${file}`);
    }
    if (keywords.length === 0) problems.push(`${who}: quotes a text but names no keywords to check it against`);
    else if (!keywords.some((k) => text.includes(k)))
      problems.push(`${who}: the quote mentions none of ${keywords.join('、')}`);
  };
  for (const rule of loaded.rules) {
    const refs = rule.event.params.basis;
    refs.forEach((c, j) => check(`${rule.id} basis[${j}]`, rule.basisVersions[j], c.article, c.text, rule.keywords));
  }
  for (const t of loaded.catalog.transitions ?? []) {
    t.basis.forEach(
      (b, j) =>
        b.version &&
        check(`transition ${t.code} basis[${j}]`, b.version, b.article, b.text, [
          t.from === 'abnormal_operations' ? '经营异常名录' : t.from,
        ]),
    );
  }
  return problems;
}
