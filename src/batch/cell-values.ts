/**
 * What a spreadsheet cell means, where that is unambiguous: the spellings a credit office's files really hold,
 * turned into the API's values before validation. Anything else is passed on unchanged, so validation refuses it
 * with the field named; nothing is guessed.
 */

/** The lists by the names their documents use. */
const LIST_TYPES: Record<string, string> = {
  经营异常名录: 'abnormal_operations',
  经营异常名单: 'abnormal_operations',
  严重违法失信名单: 'serious_violation',
  严重违法失信企业名单: 'serious_violation',
  严重违法失信主体名单: 'serious_violation',
  失信被执行人: 'dishonest_debtor',
  失信被执行人名单: 'dishonest_debtor',
  吊销营业执照: 'license_revoked',
  吊销营业执照名单: 'license_revoked',
};

const KINDS: Record<string, string> = { 企业: 'enterprise', 法人: 'enterprise', 个人: 'person', 自然人: 'person' };

const compact = (v: string) => v.normalize('NFKC').replace(/\s+/g, '');

export const listTypeOf = (v: string): string => LIST_TYPES[compact(v)] ?? v.trim();
export const kindOf = (v: string): string => KINDS[compact(v)] ?? v.trim();

/** 统一社会信用代码 and 身份证号 as typed: full-width characters, spaces, lower-case letters. */
export const identifierOf = (v: string): string => compact(v).toUpperCase();

const DATE = /^(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日)$/;

/** 2026/10/10, 2026.10.10, 2026-1-5 and 2026年10月10日 as 2026-10-10; day-first or two-digit years stay as sent. */
export function dateOf(v: string): string {
  const m = DATE.exec(compact(v));
  if (!m) return v.trim();
  const [, y, , m1, d1, m2, d2] = m;
  return `${y}-${(m1 ?? m2 ?? '').padStart(2, '0')}-${(d1 ?? d2 ?? '').padStart(2, '0')}`;
}

/** A whole number of years (a cell may hold "2" or "2年"); anything else stays a string for validation to refuse. */
export function yearsOf(v: string): number | string {
  const m = /^(\d{1,2})年?$/.exec(compact(v));
  return m ? Number(m[1]) : v;
}
