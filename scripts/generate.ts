import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { idCheckChar } from '../src/identity/id-number';
import { orgCodeCheckChar, usccCheckChar } from '../src/identity/uscc';
import { ENTRY_COLUMNS } from '../src/batch/csv-rows';

/**
 * Realistic synthetic list data, deterministic for a seed: valid 统一社会信用代码 and 公民身份号码, the four lists in
 * plausible proportions, enterprises with legal representatives, unit debtors with related persons, some removals.
 *
 * CSV has one person column pair (legalRepName, legalRepIdNumber): a unit debtor's legal representative goes
 * there and reaches the same rules as relatedPersons[role=legal_representative]. Its other related persons
 * (主要负责人, 实际控制人, 直接责任人) exist only in the JSON-lines form (--format jsonl), which carries the full
 * ListEntryInput of POST /v1/list-entries.
 */
export interface GenerateOptions {
  entries: number;
  /** Output base: FILE (one authority) or FILE's stem + .samr.csv / .spc.csv (both). */
  out: string;
  authority: 'samr' | 'spc' | 'all';
  format: 'csv' | 'jsonl';
  /** Share of entries also written to a removals file. */
  removals: number;
  seed: number;
  /** sourceRef numbering starts here (to make a second, disjoint data set). */
  start?: number;
  /** Reference date: decisions fall in the ten years before it. */
  today?: string;
}

export interface GeneratedFiles {
  entries: Record<string, string>;
  removals: Record<string, string>;
  counts: Record<string, number>;
  /** Samples for checks: enterprises on a list, and ID numbers of listed persons and legal representatives. */
  samples: { uscc: string[]; idNumbers: string[] };
}

const ORG_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const REGIONS = [
  '110105',
  '110108',
  '310110',
  '310115',
  '440106',
  '440305',
  '330106',
  '320106',
  '510107',
  '420106',
  '610113',
  '230103',
  '500103',
  '370102',
  '350203',
];
const CITY = ['北京', '上海', '广州', '深圳', '杭州', '南京', '成都', '武汉', '西安', '哈尔滨', '重庆', '济南', '厦门'];
const WORDS = [
  '恒通',
  '华信',
  '鼎盛',
  '宏达',
  '瑞丰',
  '金桥',
  '天成',
  '永利',
  '新创',
  '博远',
  '汇丰',
  '中诚',
  '兴业',
  '嘉禾',
  '明德',
  '广源',
];
const TRADES = ['贸易', '科技', '建筑工程', '餐饮管理', '物流', '房地产开发', '投资咨询', '电子商务', '医药', '食品'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海波宇浩晨欣怡子涵梓轩';
const REASONS: Record<string, string[]> = {
  abnormal_operations: [
    '未按照规定的期限公示年度报告',
    '通过登记的住所或者经营场所无法联系',
    '公示企业信息隐瞒真实情况、弄虚作假',
    '未在责令的期限内公示有关企业信息',
  ],
  serious_violation: [
    '提交虚假材料取得公司登记，被撤销登记',
    '列入经营异常名录届满3年仍未履行相关义务',
    '因违法行为被处以较重行政处罚',
  ],
  license_revoked: ['成立后无正当理由超过6个月未开业', '利用公司名义从事危害国家安全、社会公共利益的严重违法行为'],
  dishonest_debtor: [
    '有履行能力而拒不履行生效法律文书确定义务',
    '以伪造证据、暴力、威胁等方法妨碍、抗拒执行',
    '以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行',
    '违反财产报告制度',
  ],
};

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const csvCell = (v: string | undefined) =>
  v === undefined ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;

export async function generate(o: GenerateOptions): Promise<GeneratedFiles> {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (n: number) => Math.floor(rnd() * n);
  const todayMs = Date.parse(`${o.today ?? '2026-01-31'}T00:00:00Z`);
  const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  const uscc = () => {
    let body = '';
    for (let i = 0; i < 8; i++) body += ORG_CHARS[int(ORG_CHARS.length)];
    const first17 = `91${pick(REGIONS)}${body}${orgCodeCheckChar(body)}`;
    return first17 + usccCheckChar(first17);
  };
  const idNumber = () => {
    const birth = isoDay(Date.UTC(1950, 0, 1) + int(45 * 365) * 86_400_000).replace(/-/g, '');
    const first17 = `${pick(REGIONS)}${birth}${String(int(1000)).padStart(3, '0')}`;
    return first17 + idCheckChar(first17);
  };
  const personName = () => pick([...SURNAMES]) + pick([...GIVEN]) + (rnd() < 0.6 ? pick([...GIVEN]) : '');
  const companyName = () =>
    `${pick(CITY)}${pick(WORDS)}${pick(TRADES)}有限公司${rnd() < 0.1 ? `第${1 + int(9)}分公司` : ''}`;

  const authorities = o.authority === 'all' ? (['samr', 'spc'] as const) : ([o.authority] as const);
  const stem = o.out.replace(/\.(csv|jsonl)$/i, '');
  const ext = o.format;
  const files: GeneratedFiles = { entries: {}, removals: {}, counts: {}, samples: { uscc: [], idNumbers: [] } };
  const outs: Record<string, WriteStream> = {};
  const removalOuts: Record<string, WriteStream> = {};
  for (const a of authorities) {
    files.entries[a] = o.authority === 'all' ? `${stem}.${a}.${ext}` : o.out;
    files.removals[a] = o.authority === 'all' ? `${stem}.${a}.removals.csv` : `${stem}.removals.csv`;
    outs[a] = createWriteStream(files.entries[a] as string);
    if (ext === 'csv') outs[a]?.write(`${ENTRY_COLUMNS.join(',')}\n`);
    removalOuts[a] = createWriteStream(files.removals[a] as string);
    removalOuts[a]?.write('sourceRef,reason,decisionNo\n');
    files.counts[a] = 0;
  }
  const sample = (list: string[], v: string, seen: number) => {
    if (list.length < 2000) list.push(v);
    else if (int(seen) < 2000) list[int(2000)] = v;
  };

  const start = o.start ?? 0;
  for (let n = start; n < start + o.entries; n++) {
    const authority = o.authority === 'all' ? (rnd() < 0.65 ? 'samr' : 'spc') : o.authority;
    const decided = todayMs - (1 + int(3650)) * 86_400_000;
    const decidedAt = isoDay(decided);
    let listType: string;
    let row: Record<string, string | undefined>;
    let related: { role: string; name: string; idNumber: string }[] = [];
    let expiresAt: string | undefined;
    if (authority === 'samr') {
      const r = rnd();
      listType = r < 0.6 ? 'abnormal_operations' : r < 0.85 ? 'serious_violation' : 'license_revoked';
      // half of the serious-violation listings name their 3-year term; one already over is no current listing (the
      // service refuses it on arrival, issue 19), so only a term still running is written
      const end = decided + (3 * 365 - 1) * 86_400_000;
      if (listType === 'serious_violation' && rnd() < 0.5 && end >= todayMs) expiresAt = isoDay(end);
      const code = uscc();
      const rep = rnd() < 0.9 ? { name: personName(), id: idNumber() } : undefined;
      row = { kind: 'enterprise', uscc: code, name: companyName(), legalRepName: rep?.name, legalRepIdNumber: rep?.id };
      sample(files.samples.uscc, code, n - start + 1);
      if (rep && listType !== 'abnormal_operations') sample(files.samples.idNumbers, rep.id, n - start + 1);
    } else {
      listType = 'dishonest_debtor';
      if (rnd() < 0.75) {
        const id = idNumber();
        row = { kind: 'person', idNumber: id, name: personName() };
        sample(files.samples.idNumbers, id, n - start + 1);
      } else {
        const code = uscc();
        const rep = { name: personName(), id: idNumber() };
        row = { kind: 'enterprise', uscc: code, name: companyName(), legalRepName: rep.name, legalRepIdNumber: rep.id };
        if (ext === 'jsonl') {
          related = [{ role: 'principal', name: personName(), idNumber: idNumber() }];
          if (rnd() < 0.5) related.push({ role: 'actual_controller', name: personName(), idNumber: idNumber() });
        }
        sample(files.samples.uscc, code, n - start + 1);
        sample(files.samples.idNumbers, rep.id, n - start + 1);
      }
    }
    const year = decidedAt.slice(0, 4);
    const sourceRef = `${authority.toUpperCase()}-${year}-${String(n).padStart(9, '0')}`;
    const decisionNo =
      authority === 'spc'
        ? `(${year})${pick(CITY)}${1 + int(20)}执${1 + int(9999)}号`
        : `${pick(CITY)}市监${listType === 'abnormal_operations' ? '异' : '严'}〔${year}〕${1 + int(999)}号`;
    const reason = pick(REASONS[listType] as string[]);
    const values: Record<string, string | undefined> = {
      listType,
      ...row,
      reason,
      decisionNo,
      decidedAt,
      sourceRef,
      expiresAt,
    };
    const out = outs[authority] as WriteStream;
    let line: string;
    if (ext === 'csv') line = `${ENTRY_COLUMNS.map((c) => csvCell(values[c])).join(',')}\n`;
    else {
      const subject =
        row.kind === 'person'
          ? { kind: 'person', idNumber: row.idNumber, name: row.name }
          : {
              kind: 'enterprise',
              uscc: row.uscc,
              name: row.name,
              ...(row.legalRepName
                ? { legalRepresentative: { name: row.legalRepName, idNumber: row.legalRepIdNumber } }
                : {}),
            };
      line = `${JSON.stringify({ listType, subject, reason, decisionNo, decidedAt, sourceRef, ...(expiresAt ? { expiresAt } : {}), ...(related.length ? { relatedPersons: related } : {}) })}\n`;
    }
    if (!out.write(line)) await once(out, 'drain');
    files.counts[authority] = (files.counts[authority] ?? 0) + 1;
    if (rnd() < o.removals) {
      const why = authority === 'spc' ? '已履行生效法律文书确定的义务' : '已补报年度报告并公示，申请移出';
      removalOuts[authority]?.write(`${sourceRef},${why},${csvCell(`${decisionNo}-移出`)}\n`);
    }
  }
  await Promise.all(
    [...Object.values(outs), ...Object.values(removalOuts)].map(async (s) => {
      s.end();
      await once(s, 'close');
    }),
  );
  return files;
}
