/**
 * 公民身份号码 (GB 11643-1999): 6-digit address, 8-digit birth date, 3-digit sequence, ISO 7064 MOD 11-2 check.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK[sum % 11] as string;
}

export function normaliseIdNumber(id: string): string {
  return id.trim().toUpperCase();
}

export function idNumberProblem(raw: string): string | null {
  const id = normaliseIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(id)) return 'must be 17 digits and a digit or X';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return 'has an impossible birth date';
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return 'the check character (position 18) is wrong';
  return null;
}

/** Display form: address code and last four kept, birth date hidden, e.g. 110105********002X. */
export function maskIdNumber(raw: string): string {
  const id = normaliseIdNumber(raw);
  return `${id.slice(0, 6)}********${id.slice(14)}`;
}
