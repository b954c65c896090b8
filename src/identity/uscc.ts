import { textOf, type MessageCode } from '../i18n/messages';
/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters, two check characters.
 * - position 9–17 is the organisation code (GB 11714), whose 17th character checks positions 9–16;
 * - position 18 checks positions 1–17.
 */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i] as string) * (WEIGHTS[i] as number);
  return CHARSET[(31 - (sum % 31)) % 31] as string;
}

/** GB 11714: digits are 0–9, letters A=10 … Z=35. */
export function orgCodeCheckChar(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body8[i] as string, 36) * (ORG_WEIGHTS[i] as number);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** Why a code is invalid, as a message of the catalogue, or null when it is valid. */
export function usccProblemCode(code: string): MessageCode | null {
  if (code.length !== 18) return 'uscc_length';
  if (!SHAPE.test(code)) return 'uscc_chars';
  if (orgCodeCheckChar(code.slice(8, 16)) !== code[16]) return 'uscc_org_check';
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return 'uscc_check';
  return null;
}

/** Why a code is invalid (in English), or null when it is valid. */
export function usccProblem(code: string): string | null {
  const problem = usccProblemCode(code);
  return problem && textOf({ code: problem }, 'en');
}
