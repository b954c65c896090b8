import { openapiDefinition } from '../src/http/definition';
import { Fuzzer, type FuzzContext } from './support/fuzz';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, makeUscc, personDebtorEntry } from './support/factories';

/**
 * The schema-driven fuzz test (issue 10): FUZZ_REQUESTS requests (default 2,000, `npm run fuzz -- --requests N`
 * for more) over every operation, with a fixed seed (FUZZ_SEED), failing on any 5xx, any error that is not
 * problem+json, and any full ID number in an answer.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

describe('fuzzing every operation of openapi/openapi.yaml', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { ID_LOOKUP_LIMIT: '100000', PERSON_CHECK_LIMIT: '1000000', AUTH_FAILURE_LIMIT: '1000000' },
    });
  });
  afterAll(() => t.close());

  it('every file a credit office sends (issue 19) is stored as meant or refused with a reason, never a 5xx', async () => {
    const samr = await t.tokenFor('samr');
    const ctx: FuzzContext = {
      http: t.http,
      document: openapiDefinition() as unknown as FuzzContext['document'],
      callers: { samr: samr.Authorization },
      known: { entryIds: [], orderIds: [], tokenIds: [], usccs: [makeUscc()], idNumbers: [] },
    };
    const { answers, findings } = await new Fuzzer(ctx, SEED).everyFileCase('samr');
    expect(findings).toEqual([]);
    const rows = (what: string) =>
      (answers[what]?.body.results ?? []) as {
        status: string;
        id?: string;
        errors?: { path: string; message: string }[];
        alsoActive?: { id: string }[];
      }[];

    // a workbook whose decision date is a date cell: stored with that date, not a serial number
    expect(answers['xlsx with a date column']?.status).toBe(200);
    const [fromBook] = rows('xlsx with a date column');
    expect(fromBook?.status).toBe('created');
    const stored = await t.http.get(`/v1/list-entries/${fromBook?.id}`).set(samr).expect(200);
    expect(stored.body.decidedAt).toMatch(/^2026-02-\d\d$/);

    // the same subject active twice: both stored, the second names the first
    const [one, two] = rows('same subject active twice');
    expect([one?.status, two?.status]).toEqual(['created', 'created']);
    expect(two?.alsoActive?.map((a) => a.id)).toEqual([one?.id]);

    // the same sourceRef with another subject: the second row refused naming the fields that differ
    const [kept, refused] = rows('conflicting resubmission');
    expect([kept?.status, refused?.status]).toEqual(['created', 'rejected']);
    expect(refused?.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(['uscc', 'name']));

    // a term that ended before the file arrived: refused naming the end date
    const [ended] = rows('dead on arrival');
    expect(ended?.errors).toEqual([{ path: 'expiresAt', message: expect.stringContaining('2025-05-31') }]);

    // GBK with or without its charset, and Chinese headers: read, never a 5xx; a file valid in no encoding: 400
    for (const what of ['gbk csv', 'gbk csv, no charset', 'chinese csv', 'charset lies', 'broken xlsx'])
      expect([200, 400]).toContain(answers[what]?.status);
    expect(answers['mixed csv']?.status).toBe(400);
  });

  it(
    `${REQUESTS} requests (seed ${SEED}): no 5xx, every error problem+json, no full ID number`,
    async () => {
      const samr = await t.tokenFor('samr');
      const spc = await t.tokenFor('spc');
      const idNumbers = [makeIdNumber('1981-01-01'), makeIdNumber('1979-09-09')];
      const usccs = [makeUscc(), makeUscc()];
      const entries = [
        await t.http
          .post('/v1/list-entries')
          .set(samr)
          .send(enterpriseEntry({ legalRepId: idNumbers[0] }))
          .expect(201),
        await t.http
          .post('/v1/list-entries')
          .set(spc)
          .send(personDebtorEntry({ idNumber: idNumbers[1] }))
          .expect(201),
      ];
      const token = await t.http.post('/v1/departments/mof/tokens').set(ADMIN).send({ label: 'fuzz' }).expect(201);
      const ctx: FuzzContext = {
        http: t.http,
        document: openapiDefinition() as unknown as FuzzContext['document'],
        callers: {
          none: undefined,
          bogus: 'Bearer jp_not-a-token',
          malformed: 'Basic Zm9vOmJhcg==',
          admin: ADMIN.Authorization,
          samr: samr.Authorization,
          spc: spc.Authorization,
          ndrc: (await t.tokenFor('ndrc')).Authorization,
          mof: `Bearer ${token.body.token}`,
        },
        known: {
          entryIds: entries.map((e) => e.body.id),
          orderIds: entries.flatMap((e) => e.body.orders.map((o: { id: string }) => o.id)),
          tokenIds: [token.body.id],
          usccs,
          idNumbers,
        },
      };
      const fuzzer = new Fuzzer(ctx, SEED);
      const report = await fuzzer.run(REQUESTS, (n) => process.env.FUZZ_VERBOSE && console.log(`fuzz: ${n} requests`));
      if (process.env.FUZZ_VERBOSE || report.findings.length) {
        console.log(
          JSON.stringify(
            {
              requests: report.requests,
              operations: report.operations,
              serverErrors: report.serverErrors,
              byStatus: report.byStatus,
              findings: report.findings.length,
            },
            null,
            1,
          ),
        );
        console.log(
          report.findings
            .slice(0, 40)
            .map((f) => `${f.status} ${f.problem}: ${f.request}`)
            .join('\n'),
        );
      }
      expect(report.operations).toBe(
        Object.values(ctx.document.paths).flatMap((p) => Object.keys(p).filter((k) => k !== 'parameters')).length,
      );
      expect(report.requests).toBe(REQUESTS);
      expect(report.findings).toEqual([]);
    },
    Math.max(600_000, REQUESTS * 100),
  );
});
