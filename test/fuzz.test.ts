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
