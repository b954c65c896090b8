import type { components } from '../src/generated/openapi';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, unitDebtorEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * For each list and subject kind, the measures each department must apply and the officer bans, written out by
 * hand from rules/memoranda/*.json (not computed by the code under test), checked through the simulation and
 * through a real entry and the checks a procurement system and a registration desk use.
 */
type ListEntryInput = components['schemas']['ListEntryInput'];
type Who = 'subject' | 'legal_representative' | 'principal' | 'actual_controller' | 'directly_responsible';
type OfficerRole = 'legal_representative' | 'director' | 'supervisor' | 'senior_manager';
const OFFICER_ROLES: OfficerRole[] = ['legal_representative', 'director', 'supervisor', 'senior_manager'];
const DSS: OfficerRole[] = ['director', 'supervisor', 'senior_manager'];

interface Expected {
  name: string;
  authority: 'samr' | 'spc';
  /** the entry, given the ID numbers of the persons on it */
  entry: (ids: Record<Who, string>) => ListEntryInput;
  /** department → measure codes of its order */
  orders: Record<string, string[]>;
  /** what GET /v1/checks/enterprises/{uscc} returns (enterprise subjects) */
  enterpriseMeasures?: string[];
  /** measures reaching each related person (read from the restriction rows) */
  personMeasures?: Partial<Record<Who, string[]>>;
  bans: { who: Who; code: string; roles: OfficerRole[]; until: string | null }[];
}

const ART18 = ['gsr18-government-procurement', 'gsr18-bidding', 'gsr18-land-transfer', 'gsr18-honors'];
const M2045 = ['m2045-financing-credit', 'm2045-internet-information-services'];
const ART18_ORDERS = {
  mof: ['gsr18-government-procurement'],
  ndrc: ['gsr18-bidding'],
  mnr: ['gsr18-land-transfer'],
  ccgcep: ['gsr18-honors'],
  nfra: ['m2045-financing-credit'],
  cac: ['m2045-internet-information-services'],
};
const UNIT_CONSUMPTION = [
  'd141-consumption-flights-unit',
  'd141-consumption-trains-unit',
  'd141-consumption-star-hotels-unit',
  'd141-consumption-outbound-tours-unit',
  'd141-consumption-private-schools-unit',
  'd141-consumption-cash-value-insurance-unit',
  // 意见 二（七）6, read verbatim (issue 14): housing and vehicles
  'op16-consumption-housing-unit',
  'op16-consumption-vehicles-unit',
];
/** 意见 二（七）3, second sentence: the spending cap reaches the debtor only, not its related persons */
const SPENDING_CAP = 'op16-consumption-resort-spending-cap';
const ALL_RELATED: Who[] = ['legal_representative', 'principal', 'actual_controller', 'directly_responsible'];

const CASES: Expected[] = [
  {
    name: 'an enterprise on the serious-violation list, with its legal representative',
    authority: 'samr',
    entry: (ids) => enterpriseEntry({ listType: 'serious_violation', legalRepId: ids.legal_representative }),
    orders: { ...ART18_ORDERS, samr: ['gsr2024-legal-representative-ban'] },
    enterpriseMeasures: [...ART18, ...M2045],
    bans: [
      {
        who: 'legal_representative',
        code: 'gsr2024-legal-representative-ban',
        roles: ['legal_representative'],
        until: '2029-02-09',
      },
    ],
  },
  {
    name: 'an enterprise on the serious-violation list whose legal representative is not named',
    authority: 'samr',
    entry: () => {
      const e = enterpriseEntry({ listType: 'serious_violation' });
      delete (e.subject as { legalRepresentative?: unknown }).legalRepresentative;
      return e;
    },
    orders: ART18_ORDERS,
    enterpriseMeasures: [...ART18, ...M2045],
    bans: [],
  },
  {
    name: 'an enterprise on the abnormal-operations list',
    authority: 'samr',
    entry: (ids) => enterpriseEntry({ listType: 'abnormal_operations', legalRepId: ids.legal_representative }),
    orders: ART18_ORDERS,
    enterpriseMeasures: [...ART18, ...M2045],
    bans: [],
  },
  {
    name: 'an enterprise whose business licence was revoked',
    authority: 'samr',
    entry: (ids) => enterpriseEntry({ listType: 'license_revoked', legalRepId: ids.legal_representative }),
    orders: {
      nfra: ['m2045-financing-credit'],
      cac: ['m2045-internet-information-services'],
      samr: ['cl2023-178-4-officer-ban', 'mer12-4-legal-representative-ban'],
    },
    enterpriseMeasures: M2045,
    bans: [
      { who: 'legal_representative', code: 'cl2023-178-4-officer-ban', roles: DSS, until: '2029-02-09' },
      {
        who: 'legal_representative',
        code: 'mer12-4-legal-representative-ban',
        roles: ['legal_representative'],
        until: '2029-02-09',
      },
    ],
  },
  {
    name: 'a unit dishonest debtor with its legal representative, principal, actual controller and directly responsible person',
    authority: 'spc',
    entry: (ids) =>
      unitDebtorEntry(ALL_RELATED.map((role) => ({ role: role as Exclude<Who, 'subject'>, idNumber: ids[role] }))),
    orders: {
      csrc: ['d141-enterprise-bonds'],
      nfra: ['d141-financing-guarantee-company', 'd141-credit-granting', 'd141-consumption-cash-value-insurance-unit'],
      mca: ['d141-social-organization-founding'],
      mof: ['d141-government-procurement', 'd141-subsidy-mof'],
      ndrc: ['d141-bidding', 'd141-preferential-policy-ndrc', 'd141-publicity-credit-china'],
      mohrss: ['d141-subsidy-mohrss'],
      sta: ['d141-preferential-policy-sta'],
      gacc: ['d141-preferential-policy-gacc'],
      ccgcep: ['d141-honors'],
      nfga: ['d141-forest-land', 'd141-grassland'],
      caac: ['d141-consumption-flights-unit'],
      china_railway: ['d141-consumption-trains-unit'],
      mct: ['d141-consumption-star-hotels-unit', 'd141-consumption-outbound-tours-unit', SPENDING_CAP],
      moe: ['d141-consumption-private-schools-unit'],
      mohurd: ['op16-consumption-housing-unit'],
      mps: ['op16-consumption-vehicles-unit'],
      samr: ['d141-key-supervision', 'd141-publicity-gsxt'],
    },
    enterpriseMeasures: [
      'd141-enterprise-bonds',
      'd141-financing-guarantee-company',
      'd141-social-organization-founding',
      'd141-government-procurement',
      'd141-bidding',
      'd141-subsidy-mof',
      'd141-subsidy-mohrss',
      'd141-preferential-policy-ndrc',
      'd141-preferential-policy-sta',
      'd141-preferential-policy-gacc',
      'd141-honors',
      'd141-credit-granting',
      'd141-forest-land',
      'd141-grassland',
      'd141-key-supervision',
      'd141-publicity-credit-china',
      'd141-publicity-gsxt',
      ...UNIT_CONSUMPTION,
      SPENDING_CAP,
    ],
    personMeasures: Object.fromEntries(ALL_RELATED.map((r) => [r, UNIT_CONSUMPTION])),
    // the officer bans of 141 and the Company Law reach individual debtors, not the officers of a unit debtor
    bans: [],
  },
  {
    name: 'a natural person on the dishonest-debtor list',
    authority: 'spc',
    entry: (ids) => personDebtorEntry({ idNumber: ids.subject }),
    orders: {
      nfra: [
        'd141-financing-guarantee-company',
        'd141-financial-officer-ban',
        'd141-credit-granting',
        'd141-consumption-cash-value-insurance-person',
      ],
      mca: ['d141-social-organization-founding', 'd141-social-organization-head-ban'],
      mof: ['d141-government-procurement', 'd141-subsidy-mof'],
      ndrc: ['d141-bidding', 'd141-preferential-policy-ndrc', 'd141-publicity-credit-china'],
      mohrss: ['d141-subsidy-mohrss'],
      sta: ['d141-preferential-policy-sta'],
      gacc: ['d141-preferential-policy-gacc'],
      sasac: ['d141-soe-officer-ban'],
      scopsr: ['d141-public-institution-legal-rep-ban'],
      ccgcep: ['d141-honors'],
      nfga: ['d141-forest-land', 'd141-grassland'],
      caac: ['d141-consumption-flights-person'],
      china_railway: ['d141-consumption-trains-person'],
      mct: ['d141-consumption-star-hotels-person', 'd141-consumption-outbound-tours-person', SPENDING_CAP],
      moe: ['d141-consumption-private-schools-person'],
      mohurd: ['op16-consumption-housing-person'],
      mps: ['d141-exit-restriction', 'op16-consumption-vehicles-person'],
      samr: ['d141-key-supervision', 'cl2023-178-5-officer-ban', 'mer12-5-legal-representative-ban'],
    },
    bans: [
      { who: 'subject', code: 'd141-soe-officer-ban', roles: DSS, until: null },
      { who: 'subject', code: 'd141-public-institution-legal-rep-ban', roles: ['legal_representative'], until: null },
      { who: 'subject', code: 'd141-financial-officer-ban', roles: DSS, until: null },
      { who: 'subject', code: 'd141-social-organization-head-ban', roles: ['legal_representative'], until: null },
      { who: 'subject', code: 'cl2023-178-5-officer-ban', roles: DSS, until: null },
      { who: 'subject', code: 'mer12-5-legal-representative-ban', roles: ['legal_representative'], until: null },
    ],
  },
];

const sortedOrders = (orders: { department: string; measures: { code: string }[] }[]) =>
  Object.fromEntries(
    orders
      .map((o): [string, string[]] => [o.department, o.measures.map((m) => m.code).sort()])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
const sortedExpected = (orders: Record<string, string[]>) =>
  Object.fromEntries(
    Object.entries(orders)
      .map(([d, codes]): [string, string[]] => [d, [...codes].sort()])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
const banKey = (b: { code: string; roles: string[]; until: string | null; who: string }) =>
  `${b.who} ${b.code} [${[...b.roles].sort().join(',')}] ${b.until}`;

describe.each(CASES)('$name', (c) => {
  let t: TestApp;
  let ids: Record<Who, string>;
  let entry: ListEntryInput;
  let authority: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    authority = await t.tokenFor(c.authority);
    ids = {
      subject: makeIdNumber('1970-01-01'),
      legal_representative: makeIdNumber('1971-02-02'),
      principal: makeIdNumber('1972-03-03'),
      actual_controller: makeIdNumber('1973-04-04'),
      directly_responsible: makeIdNumber('1974-05-05'),
    };
    entry = c.entry(ids);
  });
  afterAll(() => t.close());

  it('simulates the expected orders and bans', async () => {
    const sim = await t.http.post('/v1/rules/simulate').set(authority).send(entry).expect(200);
    expect(sortedOrders(sim.body.orders)).toEqual(sortedExpected(c.orders));
    const bans = sim.body.bans.map(
      (b: { code: string; roles: string[]; until: string | null; person: { reachedAs: string } }) =>
        banKey({ ...b, who: b.person.reachedAs }),
    );
    expect(bans.sort()).toEqual(c.bans.map(banKey).sort());
    // while listed without an end date, every measure runs until removal
    for (const o of sim.body.orders) for (const m of o.measures) if (m.kind === 'measure') expect(m.until).toBeNull();
  });

  it('issues the same orders for a real entry, and the checks answer from them', async () => {
    const created = await t.http.post('/v1/list-entries').set(authority).send(entry).expect(201);
    expect(sortedOrders(created.body.orders)).toEqual(sortedExpected(c.orders));

    if (c.enterpriseMeasures) {
      const uscc = (entry.subject as { uscc: string }).uscc;
      const check = await t.http.get(`/v1/checks/enterprises/${uscc}`).set(authority).expect(200);
      expect(check.body.restricted).toBe(c.enterpriseMeasures.length > 0);
      expect(check.body.measures.map((m: { code: string }) => m.code).sort()).toEqual([...c.enterpriseMeasures].sort());
      for (const m of check.body.measures)
        expect(m).toMatchObject({ listType: entry.listType, entryId: created.body.id, until: null });
    }

    if (c.personMeasures) {
      const rows: { person_key: string; measure_code: string }[] = await t
        .db('restrictions')
        .where({ entry_id: created.body.id })
        .whereNotNull('person_key')
        .select('person_key', 'measure_code');
      const byPerson = new Map<string, string[]>();
      for (const r of rows) byPerson.set(r.person_key, [...(byPerson.get(r.person_key) ?? []), r.measure_code]);
      const expected = Object.values(c.personMeasures).map((codes) => [...(codes ?? [])].sort());
      expect([...byPerson.values()].map((codes) => codes.sort())).toEqual(expected);
    }

    // every person on the entry, for every office: banned exactly by the expected rules
    const persons = (Object.keys(ids) as Who[]).filter((w) => JSON.stringify(entry).includes(ids[w]));
    for (const who of persons) {
      for (const role of OFFICER_ROLES) {
        const res = await t.http
          .post('/v1/checks/officers')
          .set(authority)
          .send({ idNumber: ids[who], role })
          .expect(200);
        const expected = c.bans.filter((b) => b.who === who && b.roles.includes(role));
        expect({ who, role, codes: res.body.bans.map((b: { code: string }) => b.code).sort() }).toEqual({
          who,
          role,
          codes: expected.map((b) => b.code).sort(),
        });
        expect(res.body.eligible).toBe(expected.length === 0);
        for (const b of res.body.bans) {
          const e = expected.find((x) => x.code === b.code);
          expect(b).toMatchObject({ listType: entry.listType, entryId: created.body.id, until: e?.until });
          expect([...b.roles].sort()).toEqual([...(e?.roles ?? [])].sort());
        }
      }
    }
  });
});
