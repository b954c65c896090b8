import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot, rulesDir } from '../src/paths';
import { renderRulesCatalog } from '../src/rules/catalog-markdown';
import { loadRules } from '../src/rules/rule-loader';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

/** GET /v1/memoranda, GET /v1/rules and docs/rules.md: the catalogue a credit office reads, counted from the loaded rules. */
describe('the rules catalogue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /v1/memoranda counts measures, verified and provisional, and names the implementing departments', async () => {
    const res = await t.http.get('/v1/memoranda').set(ADMIN).expect(200);
    const strength = (counts: Partial<Record<string, number>>) => ({
      law: 0,
      regulation: 0,
      central_policy: 0,
      judicial_interpretation: 0,
      memorandum_only: 0,
      ...counts,
    });
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: 'ndrc-2015-2045',
        documentNo: '发改财金〔2015〕2045号',
        title: '失信企业协同监管和联合惩戒合作备忘录',
        kind: 'memorandum',
        signatories: 38,
        measures: 6,
        bans: 0,
        // issue 14: the Art. 18 measures' article number under the 2024 revision was not checked
        verified: 0,
        provisional: 6,
        basisStrength: strength({ regulation: 4, memorandum_only: 2 }),
        departments: ['cac', 'ccgcep', 'mnr', 'mof', 'ndrc', 'nfra'],
      }),
      expect.objectContaining({
        id: 'ndrc-2016-141',
        documentNo: '发改财金〔2016〕141号',
        title: '关于对失信被执行人实施联合惩戒的合作备忘录',
        kind: 'memorandum',
        issuedOn: '2016-01-20',
        signatories: 44,
        // issue 14: only the seven items read stay with 141; the 意见's measures have their own file
        measures: 13,
        bans: 1,
        verified: 0,
        provisional: 13,
        basisStrength: strength({ central_policy: 7, memorandum_only: 6 }),
        departments: ['csrc', 'gacc', 'mof', 'mohrss', 'ndrc', 'nfga', 'nfra', 'samr', 'sta'],
      }),
      expect.objectContaining({
        id: 'officer-bans',
        kind: 'law',
        measures: 8,
        bans: 8,
        verified: 5,
        provisional: 3,
        basisStrength: strength({ law: 4, regulation: 4 }),
        departments: ['samr'],
      }),
      expect.objectContaining({
        id: 'opinion-2016',
        documentNo: '中办发〔2016〕64号',
        kind: 'policy',
        issuedOn: '2016-09-25',
        measures: 26,
        bans: 3,
        verified: 19,
        provisional: 7,
        basisStrength: strength({ central_policy: 26 }),
        departments: [
          'caac',
          'ccgcep',
          'china_railway',
          'mca',
          'mct',
          'moe',
          'mof',
          'mohurd',
          'mps',
          'ndrc',
          'nfra',
          'sasac',
          'scopsr',
        ],
      }),
    ]);
    expect(res.body.items.find((m: { id: string }) => m.id === 'opinion-2016')).not.toHaveProperty('signatories');
  });

  it('GET /v1/memoranda needs a token', async () => {
    await t.http.get('/v1/memoranda').expect(401);
  });

  describe('GET /v1/rules filters', () => {
    const codes = async (query: Record<string, string>) => {
      const res = await t.http.get('/v1/rules').query(query).set(ADMIN).expect(200);
      return (res.body.items as { code: string }[]).map((r) => r.code).sort();
    };

    it('by memorandum, by id or document number', async () => {
      const byId = await codes({ memorandum: 'ndrc-2015-2045' });
      expect(byId).toEqual([
        'gsr18-bidding',
        'gsr18-government-procurement',
        'gsr18-honors',
        'gsr18-land-transfer',
        'm2045-financing-credit',
        'm2045-internet-information-services',
      ]);
      expect(await codes({ memorandum: '发改财金〔2015〕2045号' })).toEqual(byId);
      expect(await codes({ memorandum: 'ndrc-2016-141' })).toHaveLength(13);
      expect(await codes({ memorandum: 'no-such-memo' })).toEqual([]);
    });

    it('by list', async () => {
      expect(await codes({ listType: 'license_revoked' })).toEqual([
        'cl2018-146-4-officer-ban',
        'cl2023-178-4-officer-ban',
        'm2045-financing-credit',
        'm2045-internet-information-services',
        'mer12-4-legal-representative-ban',
      ]);
      expect(await codes({ listType: 'abnormal_operations' })).toHaveLength(6);
      // 141's and the 意见's measures, and 公司法 146(5), 178(5), 市场主体登记管理条例 12(5)
      expect(await codes({ listType: 'dishonest_debtor' })).toHaveLength(13 + 26 + 3);
    });

    it('by department, scenario, and both with a memorandum', async () => {
      expect(await codes({ department: 'mof' })).toEqual([
        'd141-government-procurement',
        'd141-subsidy-mof',
        'gsr18-government-procurement',
      ]);
      expect(await codes({ scenario: 'government_procurement' })).toEqual([
        'd141-government-procurement',
        'gsr18-government-procurement',
      ]);
      // issue 14: the consumption measures are the 意见's (二（七）), not 141's
      expect(await codes({ scenario: 'consumption', memorandum: 'ndrc-2016-141' })).toEqual([]);
      expect(await codes({ scenario: 'consumption', memorandum: 'opinion-2016', department: 'mct' })).toEqual([
        'd141-consumption-outbound-tours-person',
        'd141-consumption-outbound-tours-unit',
        'd141-consumption-star-hotels-person',
        'd141-consumption-star-hotels-unit',
        'op16-consumption-resort-spending-cap',
      ]);
      expect(await codes({ listType: 'serious_violation', department: 'samr' })).toEqual([
        'gsr17-legal-representative-ban',
        'gsr2024-legal-representative-ban',
      ]);
    });

    it('refuses an unknown department or scenario', async () => {
      await t.http.get('/v1/rules').query({ department: 'ministry_of_magic' }).set(ADMIN).expect(400);
      await t.http.get('/v1/rules').query({ scenario: 'space_travel' }).set(ADMIN).expect(400);
    });

    it('shows provenance, basis and the in-force dates of each rule', async () => {
      const res = await t.http
        .get('/v1/rules')
        .query({ memorandum: 'officer-bans', listType: 'dishonest_debtor' })
        .set(ADMIN)
        .expect(200);
      const cl2018 = res.body.items.find((r: { code: string }) => r.code === 'cl2018-146-5-officer-ban');
      expect(cl2018).toMatchObject({
        kind: 'officer_ban',
        department: 'samr',
        provenance: 'provisional',
        inForce: { from: '2018-10-26', until: '2024-06-30' },
        roles: ['director', 'supervisor', 'senior_manager'],
      });
      // the officer-ban basis quotes the version in force, with that version's date
      expect(cl2018.basis).toEqual([
        {
          document: '中华人民共和国公司法（2018年修正）',
          article: '第一百四十六条第一款第（五）项',
          kind: 'law',
          version: '2018-10-26',
          inForce: { from: '2018-10-26', until: '2024-06-30' },
          text: '有下列情形之一的，不得担任公司的董事、监事、高级管理人员：……（五）个人所负数额较大的债务到期未清偿。',
        },
      ]);
      expect(cl2018.basisStrength).toBe('law');
    });

    it('gives every version a measure cites, and flags the memorandum-only ones', async () => {
      const res = await t.http.get('/v1/rules').query({ memorandum: 'ndrc-2015-2045' }).set(ADMIN).expect(200);
      const byCode = new Map(res.body.items.map((r: { code: string }) => [r.code, r]));
      const procurement = byCode.get('gsr18-government-procurement') as {
        basis: { document: string; version?: string; text?: string; inForce?: object }[];
        basisStrength: string;
      };
      expect(procurement.basisStrength).toBe('regulation');
      expect(procurement.basis.map((b) => [b.document, b.version, b.inForce])).toEqual([
        ['企业信息公示暂行条例（2014）', '2014-08-07', { from: '2014-10-01', until: '2024-04-30' }],
        ['企业信息公示暂行条例（2024年修订，国务院令第777号）', '2024-03-10', { from: '2024-05-01' }],
        ['发改财金〔2015〕2045号', undefined, undefined],
      ]);
      expect(procurement.basis[0]?.text).toContain('在政府采购、工程招投标、国有土地出让、授予荣誉称号等工作中');
      expect(byCode.get('m2045-financing-credit')).toMatchObject({ basisStrength: 'memorandum_only' });
    });

    it('does not claim 141 names 民航局, which is not a signatory', async () => {
      const res = await t.http.get('/v1/rules').query({ department: 'caac' }).set(ADMIN).expect(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      for (const r of res.body.items) {
        expect(r.memorandum).not.toBe('ndrc-2016-141');
        expect(r).not.toHaveProperty('departmentAsNamed');
        expect(r.basis.map((b: { document: string }) => b.document).join()).not.toContain('141号');
      }
    });
  });

  it('every signatory of both memoranda maps to a department of today', () => {
    const { departments } = loadRules(rulesDir);
    const known = new Set(departments.flatMap((d) => (d.namedInMemoranda ?? []).map((n) => n.replace(/（.*）$/, ''))));
    // 发改财金〔2015〕2045号: 38 signatories
    const s2045 =
      '发展改革委 工商总局 中央文明办 最高人民法院 教育部 工业和信息化部 公安部 司法部 财政部 人力资源社会保障部 国土资源部 环境保护部 住房城乡建设部 交通运输部 水利部 农业部 商务部 文化部 卫生计生委 人民银行 国资委 海关总署 税务总局 质检总局 新闻出版广电总局 安全监管总局 食品药品监管总局 林业局 旅游局 国家网信办 银监会 证监会 保监会 铁路局 民航局 邮政局 文物局 全国总工会'.split(
        ' ',
      );
    // 发改财金〔2016〕141号: 44 signatories
    const s141 =
      '国家发展改革委 最高人民法院 人民银行 中央组织部 中央宣传部 中央编办 中央文明办 最高人民检察院 教育部 工业和信息化部 公安部 安全部 民政部 司法部 财政部 人力资源社会保障部 国土资源部 环境保护部 住房城乡建设部 交通运输部 农业部 商务部 文化部 卫生计生委 国资委 海关总署 税务总局 工商总局 质检总局 安全监管总局 食品药品监管总局 林业局 知识产权局 旅游局 法制办 国家网信办 银监会 证监会 保监会 公务员局 外汇局 共青团中央 全国工商联 中国铁路总公司'.split(
        ' ',
      );
    expect(s2045).toHaveLength(38);
    expect(s141).toHaveLength(44);
    expect(s2045.filter((n) => !known.has(n))).toEqual([]);
    expect(s141.filter((n) => !known.has(n))).toEqual([]);
  });

  it('docs/rules.md is what npm run rules:catalog writes from the rules (regenerate it when a rule changes)', () => {
    const expected = renderRulesCatalog(loadRules(rulesDir));
    const actual = readFileSync(path.join(projectRoot, 'docs', 'rules.md'), 'utf8');
    expect(actual).toBe(expected);
    // and it is a catalogue: a table per memorandum with the counts
    expect(actual).toContain('## 发改财金〔2016〕141号 关于对失信被执行人实施联合惩戒的合作备忘录');
    expect(actual).toContain('| **Total** |  | 53 | 12 | 24 | 29 | 8 | 21 departments |');
    expect(actual).toMatch(/\| 1 \| 限制发行企业债券.*\| 中国证券监督管理委员会 \(csrc\) \| 国家发展改革委 \|/);
  });
});
