import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { requestLog } from '../src/http/request-log';
import { enterpriseEntry, makeIdNumber, makeUscc, personDebtorEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Checks arriving together share one database statement (src/checks/check-service.ts). Each caller must still get
 * exactly the answer it would get alone: its own subject, scenario, role and term, nobody else's rows.
 */
describe('concurrent checks', () => {
  let t: TestApp;
  let mof: { Authorization: string };
  const listed: string[] = [];
  const repIds: string[] = [];
  const debtorIds: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const samr = await t.tokenFor('samr');
    const spc = await t.tokenFor('spc');
    mof = await t.tokenFor('mof');
    for (let i = 0; i < 4; i++) {
      const legalRepId = makeIdNumber(`197${i}-04-1${i}`);
      const body = enterpriseEntry({ legalRepId });
      await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
      listed.push((body.subject as { uscc: string }).uscc);
      repIds.push(legalRepId);
    }
    for (let i = 0; i < 2; i++) {
      const idNumber = makeIdNumber(`196${i}-08-0${i + 1}`);
      await t.http.post('/v1/list-entries').set(spc).send(personDebtorEntry({ idNumber })).expect(201);
      debtorIds.push(idNumber);
    }
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  const unlisted = [makeUscc(), makeUscc('110105')];
  const stranger = makeIdNumber('1990-01-01');
  const enterpriseAsks = () => [
    ...listed.flatMap((uscc) => [
      { uscc, scenario: undefined },
      { uscc, scenario: 'government_procurement' },
      { uscc, scenario: 'honors' },
    ]),
    { uscc: unlisted[0] as string, scenario: undefined },
    { uscc: unlisted[1] as string, scenario: 'government_procurement' },
  ];
  const officerAsks = () => [
    ...repIds.flatMap((idNumber) => [
      { idNumber, role: 'legal_representative' as const },
      { idNumber, role: 'director' as const },
    ]),
    ...debtorIds.map((idNumber) => ({ idNumber, role: 'legal_representative' as const })),
    { idNumber: stranger, role: 'senior_manager' as const },
  ];
  // Each hit gets its own decision record, so decisionId differs between otherwise equal answers.
  const withoutTime = <T extends { checkedAt: string; asOfData: string; decisionId?: string }>({
    checkedAt: _,
    asOfData: _a,
    decisionId: _d,
    ...rest
  }: T) => rest;
  const ctx = { principal: { kind: 'admin' as const } };

  it('answers each of many simultaneous service calls as if it were alone', async () => {
    const checks = t.app.services.checks;
    const alone = [];
    for (const a of enterpriseAsks()) alone.push(withoutTime(await checks.enterprise(ctx, a.uscc, a.scenario)));
    // All started in the same tick, so they are answered by one batched statement.
    const together = (await Promise.all(enterpriseAsks().map((a) => checks.enterprise(ctx, a.uscc, a.scenario)))).map(
      withoutTime,
    );
    expect(together).toEqual(alone);
    expect(together.filter((c) => c.restricted)).toHaveLength(listed.length * 3);
    expect(together.slice(-2).map((c) => c.restricted)).toEqual([false, false]);

    const officersAlone = [];
    for (const a of officerAsks())
      officersAlone.push(withoutTime(await checks.officer(ctx, { idNumber: a.idNumber, role: a.role })));
    const officersTogether = (
      await Promise.all(officerAsks().map((a) => checks.officer(ctx, { idNumber: a.idNumber, role: a.role })))
    ).map(withoutTime);
    expect(officersTogether).toEqual(officersAlone);
    // 公示条例 Art. 17 bars a listed enterprise's legal representative from that role only, not from directorships.
    expect(officersTogether.map((o) => o.eligible)).toEqual([
      ...repIds.flatMap(() => [false, true]),
      ...debtorIds.map(() => false),
      true,
    ]);
  });

  it('gives every concurrent HTTP caller its own subject', async () => {
    const asks = enterpriseAsks();
    const responses = await Promise.all(
      asks.map((a) =>
        t.http
          .get(`/v1/checks/enterprises/${a.uscc}`)
          .query(a.scenario ? { scenario: a.scenario } : {})
          .set(mof)
          .expect(200),
      ),
    );
    responses.forEach((res, i) => {
      expect(res.body.uscc).toBe(asks[i]?.uscc);
      for (const m of res.body.measures) {
        if (asks[i]?.scenario) expect(m.scenarios).toContain(asks[i]?.scenario);
      }
    });
    const measuresOf = (i: number) => ((responses[i]?.body.measures ?? []) as unknown[]).length;
    expect(measuresOf(0)).toBeGreaterThan(measuresOf(1));
  });

  it('leaves out a term that ended yesterday, per request date', async () => {
    const checks = t.app.services.checks;
    const idNumber = repIds[0] as string;
    const [ban] = (await checks.officer(ctx, { idNumber: idNumber, role: 'legal_representative' })).bans;
    const lastDay = ban?.until as string;
    expect(lastDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    t.clock.set(new Date(`${lastDay}T15:59:59Z`)); // 23:59:59 in China on the last day: still in force
    const [lastEvening, nextMorning] = await Promise.all([
      checks.officer(ctx, { idNumber: idNumber, role: 'legal_representative' }),
      (async () => {
        t.clock.set(new Date(`${lastDay}T16:00:00Z`)); // midnight in China: the next day, in the same batch
        return checks.officer(ctx, { idNumber: idNumber, role: 'legal_representative' });
      })(),
    ]);
    expect(lastEvening.eligible).toBe(false);
    expect(nextMorning.eligible).toBe(true);
  });
});

describe('request ids and access lines', () => {
  const appWith = (level: string, lines: string[]) => {
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const app = express();
    app.use(requestLog(pino({ level }, sink)));
    app.get('/x', (_req, res) => void res.json({ ok: true }));
    return supertest(app);
  };

  it.each(['info', 'warn'])('at %s: keeps a plain caller id and replaces an unsafe one', async (level) => {
    const lines: string[] = [];
    const http = appWith(level, lines);
    expect((await http.get('/x').set('X-Request-Id', 'desk-42.a').expect(200)).headers['x-request-id']).toBe(
      'desk-42.a',
    );
    const fresh = (await http.get('/x').set('X-Request-Id', 'bad id <script>').expect(200)).headers['x-request-id'];
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.includes('desk-42.a'))).toBe(level === 'info');
  });

  it('never writes an ID number from the query into the access line', async () => {
    const lines: string[] = [];
    await appWith('info', lines).get('/x').query({ idNumber: '11010519491231002X' }).expect(200);
    expect(lines.join('')).toContain('idNumber=***');
    expect(lines.join('')).not.toContain('11010519491231002X');
  });
});
