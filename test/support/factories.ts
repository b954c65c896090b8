import { randomInt } from 'node:crypto';
import { idCheckChar, idNumberProblem } from '../../src/identity/id-number';
import { orgCodeCheckChar, usccCheckChar, usccProblem } from '../../src/identity/uscc';
import type { components } from '../../src/generated/openapi';

type ListEntryInput = components['schemas']['ListEntryInput'];
const ORG_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

let sequence = 0;
const next = () => ++sequence;

/** A valid 统一社会信用代码: 9 (工商) 1 (企业), a Shanghai district, an organisation code with its check, and the check. */
export function makeUscc(region = '310110'): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += ORG_CHARS[randomInt(ORG_CHARS.length)];
  const first17 = `91${region}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

let idSequence = randomInt(1000);

/** A birth date between 1960 and 1989: an adult on any date the tests use. */
function adultBirthDate(): string {
  const day = new Date(Date.UTC(1960, 0, 1) + randomInt(30 * 365) * 86_400_000);
  return day.toISOString().slice(0, 10);
}

/** A valid 公民身份号码 born on the given date (an adult by default). */
export function makeIdNumber(birth = adultBirthDate(), region = '110105'): string {
  // A running sequence (from a random start) and a random birth date: a file's numbers never repeat by chance,
  // which a fixed date and a random sequence did about once in a thousand pairs.
  const seq = String(idSequence++ % 1000).padStart(3, '0');
  const first17 = `${region}${birth.replace(/-/g, '')}${seq}`;
  return first17 + idCheckChar(first17);
}

/** The same code with its check character changed, so exactly the check fails. */
export function withWrongCheck(code: string, alphabet = ORG_CHARS): string {
  const last = code[code.length - 1] as string;
  const other = alphabet[(alphabet.indexOf(last) + 1) % alphabet.length] as string;
  return code.slice(0, -1) + other;
}

export function enterpriseEntry(over: Partial<ListEntryInput> & { legalRepId?: string } = {}): ListEntryInput {
  const n = next();
  const { legalRepId, ...rest } = over;
  return {
    listType: 'serious_violation',
    subject: {
      kind: 'enterprise',
      uscc: makeUscc(),
      name: `测试企业${n}有限公司`,
      legalRepresentative: { name: `法人${n}`, idNumber: legalRepId ?? makeIdNumber() },
    },
    reason: '提交虚假材料取得公司登记，被撤销登记',
    decisionNo: `测市监严〔2026〕${n}号`,
    decidedAt: '2026-02-10',
    sourceRef: `SRC-${Date.now().toString(36)}-${n}`,
    ...rest,
  };
}

export function personDebtorEntry(over: Partial<ListEntryInput> & { idNumber?: string } = {}): ListEntryInput {
  const n = next();
  const { idNumber, ...rest } = over;
  return {
    listType: 'dishonest_debtor',
    subject: { kind: 'person', idNumber: idNumber ?? makeIdNumber(), name: `被执行人${n}` },
    reason: '有履行能力而拒不履行生效法律文书确定义务',
    decisionNo: `(2026)测01执${n}号`,
    decidedAt: '2026-02-10',
    sourceRef: `SPC-${Date.now().toString(36)}-${n}`,
    ...rest,
  };
}

export function unitDebtorEntry(
  persons: {
    role: 'legal_representative' | 'principal' | 'actual_controller' | 'directly_responsible';
    idNumber: string;
  }[],
  over: Partial<ListEntryInput> = {},
): ListEntryInput {
  const n = next();
  return {
    listType: 'dishonest_debtor',
    subject: { kind: 'enterprise', uscc: makeUscc(), name: `失信单位${n}有限公司` },
    relatedPersons: persons.map((p, i) => ({ role: p.role, name: `相关人${n}-${i}`, idNumber: p.idNumber })),
    reason: '以虚假诉讼规避执行',
    decisionNo: `(2026)测02执${n}号`,
    decidedAt: '2026-02-10',
    sourceRef: `SPC-U-${Date.now().toString(36)}-${n}`,
    ...over,
  };
}

/**
 * An all-digit USCC that is also a valid ID number (a code of 延庆, 110119): about one in 340 such codes passes both
 * checks, and the redaction must leave it whole where it stands as a USCC.
 */
export function usccThatPassesAsIdNumber(): string {
  for (let n = 80_010_100; n < 81_000_000; n++) {
    const body = String(n);
    const first17 = `91110119${body}${orgCodeCheckChar(body)}`;
    const code = first17 + usccCheckChar(first17);
    if (usccProblem(code) === null && idNumberProblem(code) === null) return code;
  }
  throw new Error('no such code in the range');
}
