import { api } from './api.js';
import { lang } from './i18n.js';

const ZONE = 'Asia/Shanghai';

/** A date-time in China time: 2026-03-16 23:59. */
export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** The China date of an instant: 2026-03-16. */
export function date(iso) {
  return iso ? dateTime(iso).slice(0, 10) : '';
}

/**
 * A feedback deadline as the last China day it allows: dueAt is the end of that day (00:00 of the next), so the
 * instant just before it names the day.
 */
export function dueDay(iso) {
  return iso ? date(new Date(new Date(iso).getTime() - 1).toISOString()) : '';
}

export function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`;
}

export const number = (n) => (n ?? 0).toLocaleString(lang === 'en' ? 'en' : 'zh-CN');

let departments;
/** The department directory (names in both languages), read once per page load. */
export async function loadDepartments() {
  departments ??= api('/v1/departments').then((r) => new Map(r.items.map((d) => [d.code, d])));
  return departments;
}

export function departmentName(map, code) {
  const d = map?.get(code);
  if (!d) return code;
  return lang === 'en' ? d.nameEn : d.name;
}

/** [code, name] pairs of departments (all, or the codes given), for a select. */
export function departmentPairs(map, codes = [...map.keys()]) {
  return codes.map((code) => [code, departmentName(map, code)]);
}

/** A subject as one line: name and USCC, or name and the masked ID number (never a full one: the API has none). */
export function subjectLine(s) {
  if (!s) return '';
  const id = s.kind === 'enterprise' ? s.uscc : s.idNumberMasked;
  return id ? `${s.name}（${id}）` : s.name;
}

/** @type {Promise<Map<string, { name: string, nameEn: string }>> | undefined} */
let catalog;
/**
 * Names of scenarios and officer roles (a desk record's "scenario" is either) from rules/catalog.json, the one copy
 * the rules themselves read; served at /dashboard/catalog.json.
 */
export function loadCatalog() {
  catalog ??= fetch('/dashboard/catalog.json', { cache: 'no-store' })
    .then((r) => r.json())
    .then((c) => new Map([...c.scenarios, ...c.officerRoles].map((s) => [s.code, s])))
    .catch(() => new Map());
  return catalog;
}

/** A scenario's or role's name in the current language; the code itself when the catalog does not know it. */
export function scenarioName(map, code) {
  const s = map?.get(code);
  if (!s) return code;
  return lang === 'en' ? s.nameEn : s.name;
}
