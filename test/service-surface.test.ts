import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { bootstrap } from '../src/bootstrap';
import { ConfigError, loadConfig } from '../src/config';
import { createDb } from '../src/db/knex';
import { RuleFileError } from '../src/rules/rule-loader';
import { rulesDir } from '../src/paths';
import { createTestDatabase, startTestApp, type TestApp } from './support/test-app';

describe('health, readiness and the API reference', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/healthz and /readyz need no token', async () => {
    expect((await t.http.get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    const ready = (await t.http.get('/readyz').expect(200)).body;
    expect(ready).toMatchObject({ status: 'ready', checks: { database: true, migrations: true, rules: true } });
    // how long the official holiday calendar lasts, never a reason to be not ready
    expect(ready.calendar.officialUntil).toMatch(/^\d{4}-12-31$/);
    expect(ready.calendar.daysLeft).toBe(
      Math.round((Date.parse(ready.calendar.officialUntil) - Date.parse('2026-03-02')) / 86_400_000),
    );
  });

  it('/openapi.json serves the document that drives routing, and /docs renders it', async () => {
    const doc = (await t.http.get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/list-entries', '/v1/checks/officers', '/v1/reports/feedback']),
    );
    const docs = await t.http.get('/docs/').expect(200);
    expect(docs.text).toContain('swagger-ui');
  });

  it('departments carry Chinese and English names and their list authority', async () => {
    const res = await t.http
      .get('/v1/departments')
      .set(await t.tokenFor('mof'))
      .expect(200);
    const samr = res.body.items.find((d: { code: string }) => d.code === 'samr');
    expect(samr).toMatchObject({
      name: '国家市场监督管理总局',
      nameEn: 'State Administration for Market Regulation',
      supervisor: false,
    });
    expect(samr.authorityFor.sort()).toEqual(['abnormal_operations', 'license_revoked', 'serious_violation']);
    expect(res.body.items.find((d: { code: string }) => d.code === 'spc').authorityFor).toEqual(['dishonest_debtor']);
    expect(res.body.items.find((d: { code: string }) => d.code === 'ndrc').supervisor).toBe(true);
    for (const code of ['mof', 'pboc']) expect(res.body.items.map((d: { code: string }) => d.code)).toContain(code);
  });
});

describe('start-up', () => {
  it('a bad rule file stops start-up, naming the file and the field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-rules-'));
    cpSync(rulesDir, dir, { recursive: true });
    const file = path.join(dir, 'memoranda', 'ndrc-2016-141.json');
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.rules[0].department = 'no_such_department';
    writeFileSync(file, JSON.stringify(data));

    const db = await createTestDatabase();
    try {
      const config = loadConfig({ DATABASE_URL: db.url, RULES_DIR: dir, LOG_LEVEL: 'silent' });
      const failure = await bootstrap(config, pino({ level: 'silent' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(RuleFileError);
      expect((failure as RuleFileError).file).toMatch(/memoranda\/ndrc-2016-141\.json$/);
      expect((failure as RuleFileError).field).toBe('rules[0].department');
    } finally {
      await db.drop();
    }
  });

  it('on a configured database the keys come from the environment (or a file), never from the database', async () => {
    const db = await createTestDatabase();
    const silent = pino({ level: 'silent' });
    try {
      // no keys: refuses to start, naming the variable
      const refused = await bootstrap(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), silent).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(ConfigError);
      expect(String(refused)).toMatch(/ID_HASH_KEY \(or ID_HASH_KEY_FILE\) is required when DATABASE_URL is set/);

      const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-keys-'));
      writeFileSync(path.join(dir, 'id'), `${'k'.repeat(40)}\n`, { mode: 0o600 });
      const env = {
        DATABASE_URL: db.url,
        LOG_LEVEL: 'silent',
        ID_HASH_KEY_FILE: path.join(dir, 'id'),
        WEBHOOK_SECRET_KEY: 'w'.repeat(40),
      };
      const first = await bootstrap(loadConfig(env), silent);
      expect(first.config.idHashKey).toBe('k'.repeat(40));
      const key1 = first.keyOf('11010519491231002X');
      await first.close();
      const second = await bootstrap(loadConfig(env), silent);
      expect(second.keyOf('11010519491231002X')).toBe(key1);
      // nothing secret was written to the database
      expect(JSON.stringify(await second.databases.primary('service_secrets').select('*'))).toBe('[]');
      await second.close();
    } finally {
      await db.drop();
    }
  });

  it('keys an earlier version kept in the database: a different key is refused, the same one is taken and the row deleted', async () => {
    const db = await createTestDatabase();
    const silent = pino({ level: 'silent' });
    const legacy = 'legacy-id-hash-key-0123456789abcdef0123';
    try {
      const raw = createDb(db.url, { max: 1 });
      await raw('service_secrets').insert({ name: 'id_hash_key', value: legacy });
      await raw.destroy();
      const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', WEBHOOK_SECRET_KEY: 'w'.repeat(40) };
      const hint = await bootstrap(loadConfig(env), silent).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(hint)).toMatch(/holds the key an earlier version generated: service_secrets\.id_hash_key/);
      const other = await bootstrap(loadConfig({ ...env, ID_HASH_KEY: 'x'.repeat(40) }), silent).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(other)).toMatch(/ID_HASH_KEY differs from the key an earlier version generated/);
      const same = await bootstrap(loadConfig({ ...env, ID_HASH_KEY: legacy }), silent);
      expect(await same.databases.primary('service_secrets').count({ n: '*' })).toEqual([{ n: 0 }]);
      await same.close();
    } finally {
      await db.drop();
    }
  });

  it('configuration is validated once, naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(loadConfig({}).port).toBe(3000);
  });
});
