import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { projectRoot } from '../src/paths';
import { exportedNames } from './support/prometheus-text';
import { startTestApp, type TestApp } from './support/test-app';

// The package ships CommonJS (dist/index.cjs) but declares its types as an ES module, which tsc will not import
// from this CommonJS test: require it, typed by its parser class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as { parser: import('@lezer/lr').LRParser };

/** The structure Prometheus accepts for an alerting rule file (the subset this project uses, no extra keys). */
const ruleFileSchema = {
  type: 'object',
  required: ['groups'],
  additionalProperties: false,
  properties: {
    groups: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'rules'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          interval: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' },
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['alert', 'expr', 'labels', 'annotations'],
              additionalProperties: false,
              properties: {
                alert: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' },
                expr: { type: 'string', minLength: 1 },
                for: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' },
                keep_firing_for: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' },
                labels: {
                  type: 'object',
                  required: ['severity'],
                  properties: { severity: { enum: ['critical', 'warning'] } },
                  additionalProperties: { type: 'string' },
                },
                annotations: {
                  type: 'object',
                  required: ['summary', 'description', 'runbook'],
                  additionalProperties: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  },
};

interface Rule {
  alert: string;
  expr: string;
  annotations: { runbook: string };
}

const file = yaml.load(readFileSync(path.join(projectRoot, 'docs/alerts.yml'), 'utf8')) as {
  groups: { rules: Rule[] }[];
};
const rules = file.groups.flatMap((g) => g.rules);

/** PromQL parsed by Prometheus's own grammar: the syntax errors, and the metric names of its vector selectors. */
function parsePromQL(expr: string): { errors: string[]; metrics: string[] } {
  const errors: string[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) metrics.push(expr.slice(id.from, id.to));
      }
    },
  });
  return { errors, metrics };
}

describe('docs/alerts.yml', () => {
  it('has the structure of a Prometheus rule file', () => {
    const validate = new Ajv({ allErrors: true }).compile(ruleFileSchema);
    expect(validate(file) ? [] : validate.errors).toEqual([]);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('covers each condition the runbook names, and each runbook link is a section of docs/operations.md', () => {
    const runbook = readFileSync(path.join(projectRoot, 'docs/operations.md'), 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const r of rules) {
      const [doc, anchor] = r.annotations.runbook.split('#');
      expect(doc).toBe('docs/operations.md');
      expect(anchors).toContain(anchor);
    }
    for (const section of [
      'database-unreachable',
      'webhook-backlog-growing',
      'overdue-orders-rising',
      'calendar-ending-within-60-days',
      'job-failing',
    ]) {
      expect(rules.map((r) => r.annotations.runbook)).toContain(`docs/operations.md#${section}`);
    }
  });

  it('has its promtool unit tests (docs/alerts.test.yml) written against alerts that exist', () => {
    const unit = yaml.load(readFileSync(path.join(projectRoot, 'docs/alerts.test.yml'), 'utf8')) as {
      rule_files: string[];
      tests: { alert_rule_test: { alertname: string }[] }[];
    };
    expect(unit.rule_files).toEqual(['alerts.yml']);
    const tested = new Set(unit.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    expect([...tested].filter((name) => !rules.some((r) => r.alert === name))).toEqual([]);
    expect(tested.size).toBeGreaterThanOrEqual(5);
  });

  it('parses as PromQL', () => {
    for (const r of rules)
      expect({ alert: r.alert, errors: parsePromQL(r.expr).errors }).toEqual({ alert: r.alert, errors: [] });
    // the parser does find errors (so the assertion above can fail)
    expect(parsePromQL('max by (department) (jp_orders{status="x"}').errors.length).toBeGreaterThan(0);
  });

  describe('against a scrape of the service', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { METRICS_TOKEN: 'metrics-token-0123456789abcdef' } });
    });
    afterAll(() => t.close());

    it('names only metrics the service exports', async () => {
      const text = (
        await t.http.get('/metrics').set({ Authorization: 'Bearer metrics-token-0123456789abcdef' }).expect(200)
      ).text;
      const exported = exportedNames(text);
      expect(exported.size).toBeGreaterThan(20);
      for (const r of rules) {
        const { metrics } = parsePromQL(r.expr);
        expect(metrics.length).toBeGreaterThan(0);
        expect({ alert: r.alert, unknown: metrics.filter((m) => !exported.has(m)) }).toEqual({
          alert: r.alert,
          unknown: [],
        });
      }
    });
  });
});
