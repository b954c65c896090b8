import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { idCheckChar } from '../src/identity/id-number';
import { orgCodeCheckChar, usccCheckChar } from '../src/identity/uscc';

/**
 * Check traffic measured with wrk (C, one thread, so the client is not the bottleneck), as procurement systems and
 * desks send it: a share of listed subjects among never-listed ones. Requests rotate through a fixed list written
 * into a Lua script, so the service and the bare baseline get exactly the same requests.
 */
export type CheckKind = 'enterprise' | 'person' | 'officer';

export interface WrkRun {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const ORG_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid USCC that no generated entry has (random organisation code, a region the generator does not use). */
export function neverListedUscc(): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += ORG_CHARS[randomInt(ORG_CHARS.length)];
  const first17 = `91650102${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

/** A valid ID number from a region the generator does not use. */
export function neverListedId(): string {
  const first17 = `650102${1950 + randomInt(50)}0${1 + randomInt(9)}1${randomInt(10)}${String(randomInt(1000)).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
}

export interface MixOptions {
  kind: CheckKind;
  /** share of requests about listed subjects, 0..1 */
  listed: number;
  record?: boolean;
  usccs: string[];
  ids: string[];
  token: string;
  size?: number;
}

/** Writes the Lua script of one mix and returns its path. */
export function writeMix(dir: string, o: MixOptions): string {
  const size = o.size ?? 2000;
  const every = o.listed > 0 ? Math.round(1 / o.listed) : 0;
  const reqs: { path: string; body: string }[] = [];
  for (let i = 0; i < size; i++) {
    const listed = every > 0 && i % every === 0;
    if (o.kind === 'enterprise') {
      const u = listed ? (o.usccs[i % o.usccs.length] as string) : neverListedUscc();
      reqs.push({
        path: `/v1/checks/enterprises/${u}?scenario=government_procurement${o.record ? '&record=true' : ''}`,
        body: '',
      });
    } else {
      const idNumber = listed ? (o.ids[i % o.ids.length] as string) : neverListedId();
      const ask =
        o.kind === 'person' ? { idNumber, scenario: 'consumption' } : { idNumber, role: 'legal_representative' };
      reqs.push({
        path: o.kind === 'person' ? '/v1/checks/persons' : '/v1/checks/officers',
        body: JSON.stringify(o.record ? { ...ask, record: true } : ask),
      });
    }
  }
  const method = o.kind === 'enterprise' ? 'GET' : 'POST';
  // Requests are formatted in init(): only then has wrk set the Host header (HTTP/1.1 requires it).
  const lua = [
    `wrk.method = "${method}"`,
    `wrk.headers["Authorization"] = "Bearer ${o.token}"`,
    `wrk.headers["Content-Type"] = "application/json"`,
    `local asks = {`,
    ...reqs.map((r) => `  { ${JSON.stringify(r.path)}, ${r.body ? JSON.stringify(r.body) : 'nil'} },`),
    `}`,
    `local reqs = {}`,
    `init = function(args)`,
    `  for k, a in ipairs(asks) do reqs[k] = wrk.format(nil, a[1], nil, a[2]) end`,
    `end`,
    `local i = 0`,
    `request = function()`,
    `  i = i + 1`,
    `  return reqs[(i % #reqs) + 1]`,
    `end`,
  ].join('\n');
  const file = path.join(dir, `mix-${o.kind}-${Math.round(o.listed * 100)}${o.record ? '-record' : ''}.lua`);
  writeFileSync(file, lua);
  return file;
}

/** Runs wrk with one thread and the given connections; latencies in ms. */
export function runWrk(port: number, script: string, connections: number, durationS: number): Promise<WrkRun> {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-s', script, `http://127.0.0.1:${port}`];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed (is it installed? apt-get install -y wrk): ${err.message}`));
      const ms = (label: string) => {
        const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
        if (!m) return NaN;
        const v = Number(m[1]);
        return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
      };
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
      resolve({ rps, p50: round2(ms('50')), p99: round2(ms('99')), non2xx, errors });
    });
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;
