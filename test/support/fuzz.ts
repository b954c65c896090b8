import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type supertest from 'supertest';
import { idCheckChar, idNumberProblem } from '../../src/identity/id-number';
import { orgCodeCheckChar, usccCheckChar } from '../../src/identity/uscc';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * A schema-driven fuzzer over every operation of openapi/openapi.yaml. For each request it picks an operation,
 * a caller, and for every parameter and body field either a plausible value (from the schema: enums, formats,
 * patterns the service itself produces) or a hostile one (NUL, lone surrogates, huge and negative numbers, bad
 * cursors and ids, prototype-pollution keys, full ID numbers, broken CSV, wrong content types). Deterministic for
 * a seed. The findings: any 5xx, any error answer that is not application/problem+json, any full ID number in an
 * answer.
 */

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  nullable?: boolean;
};
type Parameter = { $ref?: string; name: string; in: 'path' | 'query' | 'header'; schema?: Schema };
type Operation = {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
};
type Document = {
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
};

export interface FuzzContext {
  http: supertest.Agent;
  document: Document;
  /** Callers by kind: header value or undefined (no Authorization). */
  callers: Record<string, string | undefined>;
  /** Real ids and codes to mix in, so some requests reach the handlers' deeper paths. */
  known: { entryIds: string[]; orderIds: string[]; tokenIds: string[]; usccs: string[]; idNumbers: string[] };
}

export interface FuzzFinding {
  request: string;
  status: number;
  problem: string;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  findings: FuzzFinding[];
  operations: number;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validIdNumber(r: () => number): string {
  const year = 1940 + Math.floor(r() * 60);
  const month = String(1 + Math.floor(r() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
  const first17 = `110105${year}${month}${day}${String(Math.floor(r() * 1000)).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
}

/** A valid 统一社会信用代码 from the seed's sequence (both check characters right). */
function validUscc(r: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const org8 = digits(8);
  const first17 = `91310110${org8}${orgCodeCheckChar(org8)}`;
  return first17 + usccCheckChar(first17);
}

/**
 * What a schema validator or a regular expression would say (Ajv's own phrases): no error message a person reads
 * may hold them (issue 19, messages people can act on).
 */
const MACHINE_TALK =
  /must match (pattern|format)|must NOT have|must have required property|must be equal to (one of|constant)|must be (string|integer|number|boolean|object|array|null)\b|additionalProperties|instancePath/;

/** Every message of an answer: a problem's detail and field errors, and a batch's rejected rows. */
function messagesOf(body: unknown): string[] {
  const b = (body ?? {}) as {
    detail?: unknown;
    errors?: { message?: unknown }[];
    results?: { errors?: { message?: unknown }[] }[];
  };
  const fieldMessages = (errors: unknown) =>
    Array.isArray(errors) ? errors.map((e: { message?: unknown }) => String(e?.message ?? '')) : [];
  return [
    ...(typeof b.detail === 'string' ? [b.detail] : []),
    ...fieldMessages(b.errors),
    ...(Array.isArray(b.results) ? b.results.flatMap((r) => fieldMessages(r?.errors)) : []),
  ];
}

/** encodeURIComponent, except that a lone surrogate goes out as its (invalid) WTF-8 bytes instead of throwing. */
function enc(v: unknown): string {
  return String(v).replace(/[\uD800-\uDFFF]|[^\uD800-\uDFFF]+|[\uD800-\uDBFF][\uDC00-\uDFFF]/g, (part) => {
    try {
      return encodeURIComponent(part);
    } catch {
      const c = part.charCodeAt(0);
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    }
  });
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/**
 * The spellings of one ID number a reader turns back into it (issue 21): grouped, hyphenated, with invisible
 * characters inside, in other Unicode digits, in Chinese numerals, and the 15-digit first-generation form. The
 * service must refuse each in free text and never answer one.
 */
/** The 15-digit first-generation form of an 18-digit ID number (YYMMDD, no check character). */
export const firstGenerationOf = (id: string): string => id.slice(0, 6) + id.slice(8, 17);

/**
 * An ID number whose first-generation form is not also an old business registration number, which the service
 * rightly lets through as text (isRegistrationNumberForm): about one in ten is, and a test of the ID guard that drew
 * one failed.
 */
export function idNumberWithFirstGeneration(make: () => string): string {
  for (;;) {
    const id = make();
    if (!isRegistrationNumberForm(firstGenerationOf(id))) return id;
  }
}

/** `id` must have a first-generation form that is no registration number (idNumberWithFirstGeneration). */
export function idSpellings(id: string): string[] {
  const digits = (zero: number) => id.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
  const chinese = id.replace(/\d/g, (d) => '〇一二三四五六七八九'[Number(d)] as string);
  const financial = id.replace(/\d/g, (d) => '零壹贰叁肆伍陆柒捌玖'[Number(d)] as string);
  const firstGeneration = firstGenerationOf(id);
  return [
    `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`,
    `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`,
    `${id.slice(0, 3)}\u3000${id.slice(3, 9)}\u00a0${id.slice(9)}`,
    [...id].join('\u200b'),
    `${id.slice(0, 9)}\u2060\ufeff${id.slice(9)}`,
    digits(0xff10), // full-width
    digits(0x0660), // Arabic-Indic
    digits(0x0966), // Devanagari
    digits(0x1d7ce), // mathematical bold
    chinese,
    financial,
    `姓名${firstGeneration}`,
    firstGeneration.replace(/(\d{6})(\d{6})/, '$1 $2 '),
  ];
}

function hostileStrings(r: () => number): string[] {
  const id = validIdNumber(r);
  return [
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    'x\ud800',
    '\udfffy',
    '\ud83d\ude00\u202e\u200b',
    'x'.repeat(5000),
    "'; drop table list_entries; --",
    '../../../etc/passwd',
    '%00%zz%',
    '%E0%A4%A',
    '<script>alert(1)</script>',
    '${7*7}{{7*7}}',
    '__proto__',
    'constructor',
    id,
    `名称${id}`,
    id.toLowerCase().replace('x', 'x'),
    '0000-01-01',
    // date-times RFC 3339 admits and PostgreSQL refuses (issue 21): year 0000, an offset past ±15:59, a long fraction
    '0000-01-01T00:00:00Z',
    '2026-03-01T00:00:00+23:59',
    `2026-03-01T00:00:00.${'1'.repeat(221)}Z`,
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '9999-12-31',
    '2026-02-30',
    '00000000-0000-0000-0000-000000000000',
    '------------------------------------',
    'ffffffff-ffff-ffff-ffff-fffffffffffz',
    b64(['2026-01-01T00:00:00.000Z', '------------------------------------']),
    b64(['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
    b64(['0000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
    b64({ __proto__: { admin: true } }),
    b64('not json'),
    '1e308',
    '-1',
    'NaN',
    '99999999999999999999999',
    '91310110MA1FL8XX6Y',
  ];
}

function hostileNumber(r: () => number): unknown {
  const picks = [-1, 0, 1e308, -1e308, 2 ** 53 + 1, 1.5, 'NaN', '1e9999', '-0', null, true, '12abc'];
  return picks[Math.floor(r() * picks.length)];
}

export class Fuzzer {
  private readonly r: () => number;
  private readonly ops: { method: string; path: string; op: Operation; params: Parameter[] }[] = [];
  /** Spellings of a few ID numbers, sent in every kind of field; none may ever come back in an answer. */
  private readonly spellings: string[];

  constructor(
    private readonly ctx: FuzzContext,
    seed: number,
  ) {
    this.r = rng(seed);
    this.spellings = [validIdNumber(this.r), validIdNumber(this.r), validIdNumber(this.r)]
      .flatMap(idSpellings)
      .filter((spelled) => !isRegistrationNumberForm(spelled));
    for (const [path, item] of Object.entries(ctx.document.paths)) {
      const shared = (item.parameters as Parameter[] | undefined) ?? [];
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const o = op as Operation;
        this.ops.push({
          method,
          path,
          op: o,
          params: [...shared, ...(o.parameters ?? [])].map((p) => this.deref<Parameter>(p)),
        });
      }
    }
  }

  get operationCount(): number {
    return this.ops.length;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }

  private chance(p: number): boolean {
    return this.r() < p;
  }

  private deref<T>(x: { $ref?: string }): T {
    let v: unknown = x;
    for (
      let i = 0;
      i < 10 && v && typeof v === 'object' && '$ref' in v && typeof (v as { $ref: unknown }).$ref === 'string';
      i++
    ) {
      const parts = (v as { $ref: string }).$ref.replace(/^#\//, '').split('/');
      v = parts.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], this.ctx.document);
    }
    return v as T;
  }

  /** A value for a schema: plausible most of the time, hostile some of the time. */
  private valueOf(schemaIn: Schema, depth = 0, key = ''): unknown {
    const schema = this.deref<Schema>(schemaIn);
    if (this.chance(0.12)) return this.hostileValue(schema);
    if (schema.oneOf || schema.anyOf)
      return this.valueOf(this.pick((schema.oneOf ?? schema.anyOf) as Schema[]), depth, key);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => this.valueOf(s, depth, key) as object));
    if (schema.enum) return this.pick(schema.enum);
    switch (schema.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(schema.properties ?? {})) {
          if ((schema.required ?? []).includes(k) || this.chance(0.5))
            out[k] = depth > 5 ? null : this.valueOf(s, depth + 1, k);
        }
        if (this.chance(0.05)) out[this.pick(['__proto__', 'constructor', 'prototype', 'extra'])] = { polluted: true };
        return out;
      }
      case 'array':
        return Array.from({ length: Math.floor(this.r() * 3) }, () => this.valueOf(schema.items ?? {}, depth + 1, key));
      case 'integer':
      case 'number':
        return this.chance(0.8)
          ? Math.floor(
              (schema.minimum ?? 0) + this.r() * Math.min(100, (schema.maximum ?? 100) - (schema.minimum ?? 0)),
            )
          : hostileNumber(this.r);
      case 'boolean':
        return this.chance(0.5);
      default:
        return this.plausibleString(schema, key);
    }
  }

  private plausibleString(schema: Schema, key: string): string {
    const k = this.ctx.known;
    if (key === 'idNumber' || schema.pattern?.includes('[0-9X]'))
      return this.chance(0.5) && k.idNumbers.length ? this.pick(k.idNumbers) : validIdNumber(this.r);
    if (key === 'uscc' && k.usccs.length) return this.pick(k.usccs);
    if (schema.format === 'uuid')
      return this.pick([...k.entryIds, ...k.orderIds, ...k.tokenIds, '00000000-0000-0000-0000-000000000000']);
    if (schema.format === 'date') return this.pick(['2026-02-10', '2025-01-01', '2030-12-31']);
    if (schema.format === 'date-time') return this.pick(['2026-03-01T00:00:00Z', '2027-03-01T00:00:00.000Z']);
    if (schema.format === 'uri') return this.pick(['http://127.0.0.1:9/hook', 'https://example.org/hook']);
    if (key === 'department' || key === 'code') return this.pick(['samr', 'spc', 'ndrc', 'mof', 'nope']);
    return this.pick(['测试', 'abc', 'SRC-1', `ref-${Math.floor(this.r() * 1e6)}`]);
  }

  private hostileValue(schema: Schema): unknown {
    if (schema.type === 'integer' || schema.type === 'number') return hostileNumber(this.r);
    if (this.chance(0.1)) return this.pick([null, [], {}, 12, true]);
    if (this.chance(0.25)) return this.pick(this.spellings);
    return this.pick(hostileStrings(this.r));
  }

  private pathValue(p: Parameter): string {
    if (this.chance(0.1)) return this.pick(['%E0%A4%A', '%', '%zz', '%00', '..%2F..%2F', '%F0%9F']);
    const v = this.valueOf(p.schema ?? { type: 'string' }, 0, p.name);
    return enc(v);
  }

  private csvBody(): string {
    const k = this.ctx.known;
    const header = this.chance(0.7)
      ? 'listType,kind,uscc,idNumber,name,legalRepName,legalRepIdNumber,reason,decisionNo,decidedAt,sourceRef,expiresAt'
      : this.pick(['', 'a,b', `listType,${validIdNumber(this.r)}`, '"unterminated', '\u0000,\ud800']);
    const rows = Array.from({ length: 1 + Math.floor(this.r() * 3) }, () =>
      this.pick([
        `abnormal_operations,enterprise,${this.pick(k.usccs.length ? k.usccs : ['91310110MA1FL8XX6Y'])},,企业,,,原因,决定${Math.floor(this.r() * 1e6)},2026-02-10,csv-${Math.floor(this.r() * 1e9)},`,
        `dishonest_debtor,person,,${validIdNumber(this.r)},张三,,,原因,号,2026-02-10,csv-${Math.floor(this.r() * 1e9)},`,
        `"broken,${validIdNumber(this.r)}`,
        'a,b,c',
        `x\u0000,\ud800,${'y'.repeat(300)}`,
        `abnormal_operations,enterprise,,,,,,,,0000-01-01,${validIdNumber(this.r)},`,
      ]),
    );
    return [header, ...rows].join(this.pick(['\n', '\r\n', '\r']));
  }

  /**
   * What a credit office's files hold (issue 19), by name: GBK with and without charset, a file mixing UTF-8 and
   * GBK, lying charsets, mojibake and U+FFFD rows, Chinese headers in another order, a resubmission with other
   * data, an ended term, the same subject active twice, and workbooks (one with a real date column, broken ones,
   * bytes that are none).
   */
  readonly fileCases: Record<string, () => Promise<[string, Buffer | string]>> = {
    'gbk csv': async () => ['text/csv; charset=gbk', iconv.encode(this.officeText(), 'gbk')],
    'gbk csv, no charset': async () => ['text/csv', iconv.encode(this.officeText(), 'gb18030')],
    'mixed csv': async () => [
      'text/csv',
      Buffer.concat([Buffer.from(`${this.officeText()}\r\n`), iconv.encode(this.officeRow('fz-mixed'), 'gbk')]),
    ],
    'charset lies': async () => [
      this.pick(['text/csv; charset=utf-8', 'text/csv; charset=shift_jis', 'text/csv; charset=""']),
      iconv.encode(this.officeText(), 'gbk'),
    ],
    'broken xlsx': async () => [XLSX, Buffer.from(this.pick(['PK\u0003\u0004broken', 'not a workbook', '']))],
    'chinese csv': async () => ['text/csv', this.officeText()],
    'xlsx with a date column': async () => [XLSX, await this.workbook()],
    'same subject active twice': async () => {
      // two decisions on one subject under two sourceRefs: both stored, the second answered with alsoActive
      const uscc = validUscc(this.r);
      const n = Math.floor(this.r() * 1e9);
      const rows = [1, 2].map(
        (i) =>
          `fz-dup-${n}-${i},2026-02-1${i},上海某某重复有限公司,${uscc},严重违法失信名单,提交虚假材料,沪市监严〔2026〕${i}号`,
      );
      return [
        'text/csv',
        ['来源编号,决定日期,企业名称,统一社会信用代码,名单类型,列入原因,决定文书号', ...rows].join('\r\n'),
      ];
    },
    'conflicting resubmission': async () => {
      // the same sourceRef twice in one file with another subject: the second row is refused naming the fields
      const n = Math.floor(this.r() * 1e9);
      const row = (name: string) =>
        `fz-conflict-${n},2026-02-10,${name},${validUscc(this.r)},严重违法失信名单,提交虚假材料,沪市监严〔2026〕9号`;
      const text = [
        '来源编号,决定日期,企业名称,统一社会信用代码,名单类型,列入原因,决定文书号',
        row('甲公司'),
        row('乙公司'),
      ];
      return ['text/csv', text.join('\r\n')];
    },
    'dead on arrival': async () => {
      // decided 2022-06-01 under a 3-year ground: the term ended 2025-05-31, before the file arrives
      const text = [
        '统一社会信用代码,企业名称,名单类型,列入原因,决定文书号,决定日期,来源编号,列入依据',
        `${validUscc(this.r)},已届满有限公司,严重违法失信名单,提交虚假材料,文号,2022-06-01,fz-ended-${Math.floor(this.r() * 1e9)},samr44_serious_violation`,
      ];
      return ['text/csv', text.join('\r\n')];
    },
  };

  /** A file's text under one of the headers a credit office writes, two rows of the kinds its files hold. */
  private officeText(): string {
    const zhHeader = this.pick([
      '来源编号,决定日期,企业名称,统一社会信用代码,名单类型,列入原因,决定文书号',
      '来源编号,决定日期,企业名称,统一社会信用代码,名单类型,列入原因,决定文书号,列入依据,延长年限',
      '名单类型,备注,企业名称',
    ]);
    const ref = this.pick(['fz-same', `fz-${Math.floor(this.r() * 1e9)}`]);
    return [zhHeader, this.officeRow(ref), this.officeRow(ref)].join('\r\n');
  }

  private officeRow(ref: string): string {
    const uscc = this.pick(this.ctx.known.usccs.length ? this.ctx.known.usccs : ['91310110MA1FL8XX6Y']);
    return this.pick([
      `${ref},2026年2月10日,上海某某贸易有限公司,${uscc.toLowerCase()},严重违法失信名单,提交虚假材料,沪市监严〔2026〕1号`,
      `${ref},2022/06/01,锟斤拷有限公司,${uscc},严重违法失信名单,Ã©,文号,samr44_serious_violation,`,
      `${ref},2022.06.01,北京某某\ufffd公司,${uscc},经营异常名录,无法联系,文号,samr44_serious_violation,2年`,
      `${ref},10/02/2026,广州某某有限公司,${uscc},黑名单,原因\u0007,文号`,
    ]);
  }

  /** A workbook as Excel saves it: Chinese headers in another order, the decision date a real date cell. */
  private async workbook(): Promise<Buffer> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('名单');
    sheet.addRow(['决定日期', '统一社会信用代码', '企业名称', '名单类型', '列入原因', '决定文书号', '来源编号']);
    const day = 1 + Math.floor(this.r() * 28);
    sheet.addRow([
      new Date(Date.UTC(2026, 1, day)),
      validUscc(this.r),
      '深圳某某电子有限公司',
      '严重违法失信名单',
      '提交虚假材料',
      `深市监严〔2026〕${day}号`,
      `fz-xlsx-${Math.floor(this.r() * 1e9)}`,
    ]);
    sheet.getColumn(1).numFmt = 'yyyy-mm-dd';
    return Buffer.from(await book.xlsx.writeBuffer());
  }

  /**
   * Sends every file case once to the entries' batch as the given caller: the answers, by case, and the findings
   * (the same checks as every fuzz request).
   */
  async everyFileCase(
    caller: string,
  ): Promise<{ answers: Record<string, supertest.Response>; findings: FuzzFinding[] }> {
    const answers: Record<string, supertest.Response> = {};
    const findings: FuzzFinding[] = [];
    for (const [what, build] of Object.entries(this.fileCases)) {
      const [type, body] = await build();
      const res = await this.ctx.http
        .post('/v1/list-entries/batch')
        .set('Authorization', this.ctx.callers[caller] ?? '')
        .set('Content-Type', type)
        .send(body);
      answers[what] = res;
      const problems = this.problemsOf(res);
      if (problems.length)
        findings.push({
          request: `POST /v1/list-entries/batch [${what}]`,
          status: res.status,
          problem: problems.join('; '),
        });
    }
    return { answers, findings };
  }

  /** One request; returns a finding or undefined. */
  async one(): Promise<{ status: number; finding?: FuzzFinding }> {
    const { method, path, op, params } = this.pick(this.ops);
    let url = path;
    for (const p of params.filter((x) => x.in === 'path')) url = url.replace(`{${p.name}}`, this.pathValue(p));
    const query: string[] = [];
    for (const p of params.filter((x) => x.in === 'query')) {
      if (!this.chance(0.5)) continue;
      const name = this.chance(0.05) ? [...p.name].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('') : p.name;
      const value = this.chance(0.05)
        ? this.pick(['%E0%A4%A', '%00', '%'])
        : enc(this.valueOf(p.schema ?? { type: 'string' }, 0, p.name));
      query.push(`${name}=${value}`);
    }
    if (this.chance(0.05)) query.push(`${this.pick(['__proto__[x]', 'constructor.prototype.x', 'unknown'])}=1`);
    if (query.length) url += `?${query.join('&')}`;

    const caller = this.pick(Object.keys(this.ctx.callers));
    const send = (this.ctx.http as unknown as Record<string, (u: string) => supertest.Test>)[method];
    if (!send) throw new Error(`no supertest method ${method}`);
    let req = send.call(this.ctx.http, url);
    const auth = this.ctx.callers[caller];
    if (auth) req = req.set('Authorization', auth);
    if (this.chance(0.03))
      req = req.set(
        'X-Request-Id',
        this.pick(['ok-request-1', validIdNumber(this.r), '\u00ff\u00fe', 'x'.repeat(500)]),
      );

    let described = `${method.toUpperCase()} ${url} as ${caller}`;
    const content = op.requestBody?.content ?? {};
    if (Object.keys(content).length || this.chance(0.05)) {
      const kind = this.r();
      if (content['text/csv'] && kind < 0.25) {
        req = req.set('Content-Type', 'text/csv').send(this.csvBody());
        described += ' [csv]';
      } else if (content['text/csv'] && kind < 0.35) {
        const what = this.pick(Object.keys(this.fileCases));
        const [type, body] = await (this.fileCases[what] as () => Promise<[string, Buffer | string]>)();
        req = req.set('Content-Type', type).send(body);
        described += ` [${what}]`;
      } else if (kind < 0.05) {
        req = req
          .set(
            'Content-Type',
            this.pick([
              'text/plain',
              'application/xml',
              'multipart/form-data; boundary=x',
              'application/json; charset=latin1',
              'application/x-www-form-urlencoded',
            ]),
          )
          .send('a=1&b=<x/>');
        described += ' [wrong type]';
      } else if (kind < 0.12) {
        req = req
          .set('Content-Type', 'application/json')
          .send(
            this.pick([
              '{"a":',
              '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
              '[',
              'null',
              '"\\u0000"',
              '{"a":"\\ud800"}',
              '1e999',
            ]),
          );
        described += ' [raw json]';
      } else {
        const schema = content['application/json']?.schema ?? { type: 'object' };
        const body = this.valueOf(schema);
        req = req.set('Content-Type', 'application/json').send(JSON.stringify(this.chance(0.1) ? [body, body] : body));
        described += ' [json]';
      }
    }

    const res = await req;
    const problems = this.problemsOf(res);
    return {
      status: res.status,
      ...(problems.length
        ? { finding: { request: described.slice(0, 300), status: res.status, problem: problems.join('; ') } }
        : {}),
    };
  }

  /** What is wrong with an answer, whatever was asked. */
  private problemsOf(res: supertest.Response): string[] {
    const type = String(res.headers['content-type'] ?? '');
    const problems: string[] = [];
    if (res.status >= 500) problems.push('5xx');
    if (res.status >= 400 && !type.startsWith('application/problem+json'))
      problems.push(`error answered as ${type || 'no content type'}`);
    const leaked = fullIdNumbersIn(res.text ?? '');
    if (leaked.length) problems.push(`full ID number in the answer (${leaked.length})`);
    for (const [k, v] of Object.entries(res.headers))
      if (fullIdNumbersIn(String(v)).length) problems.push(`full ID number in header ${k}`);
    const spelled = this.spellings.filter((x) => res.text?.includes(x));
    if (spelled.length) problems.push(`ID number spelled otherwise in the answer (${JSON.stringify(spelled[0])})`);
    if (({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).x !== undefined)
      problems.push('Object.prototype polluted');
    const machine = messagesOf(res.body).find((m) => MACHINE_TALK.test(m));
    if (machine) problems.push(`a schema keyword in a message (${JSON.stringify(machine.slice(0, 120))})`);
    return problems;
  }

  async run(requests: number, onProgress?: (done: number) => void): Promise<FuzzReport> {
    const byStatus: Record<string, number> = {};
    const findings: FuzzFinding[] = [];
    let serverErrors = 0;
    for (let i = 0; i < requests; i++) {
      const { status, finding } = await this.one();
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (status >= 500) serverErrors += 1;
      if (finding) findings.push(finding);
      if (onProgress && (i + 1) % 1000 === 0) onProgress(i + 1);
    }
    return { requests, byStatus, serverErrors, findings, operations: this.ops.length };
  }
}

/**
 * 15 digits that are also a valid old business registration number (注册号, ISO 7064 MOD 11,10): the service
 * rightly lets those through as text, so they are no test of the ID guard.
 */
function isRegistrationNumberForm(spelled: string): boolean {
  const d = spelled.replace(/\D/g, '');
  if (d.length !== 15) return false;
  let p = 10;
  for (let i = 0; i < 14; i++) p = (((p % 11) + Number(d[i])) % 10 || 10) * 2;
  return (11 - (p % 11)) % 10 === Number(d[14]);
}

/** Full, valid ID numbers in a text: an 18-character window that passes the birth-date and check-character test. */
export function fullIdNumbersIn(text: string): string[] {
  const out: string[] = [];
  const window = /(?=(\d{17}[\dXx]))/g;
  let m: RegExpExecArray | null;
  while ((m = window.exec(text)) !== null) {
    if (idNumberProblem(m[1] as string) === null) out.push(m[1] as string);
    window.lastIndex = m.index + 1;
  }
  return out;
}
