// The shipped Prometheus rules: promtool accepts them and their unit tests pass, every alert carries
// what on-call needs (severity, summary, description, a runbook section that exists), and every
// expression queries only series the probe exposes or the rules record.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FAILURE_REASON_NAMES } from '../src/core/outcome.js';
import { PROBE_SERIES_NAMES, SCRAPE_SERIES_NAMES } from './support/metric-names.js';
import { PROMTOOL_BINARY, requireExecutable } from './support/prerequisites.js';
import { RULES_DIR, RULE_FILES, loadRules, recordedSeriesNames } from './support/prometheus-rules.js';
import { parsePromql } from './support/promql.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const RUNBOOK_URL = 'https://github.com/otp-canary/otp-canary/blob/main/docs/runbook.md#';
const SEVERITIES = ['page', 'ticket', 'warning'];

const unitTestFiles = readdirSync(join(RULES_DIR, 'tests')).filter((name) => name.endsWith('.test.yml'));
const rules = loadRules();
const alerts = rules.filter((rule) => rule.alert !== undefined);

/** promtool's output on failure, so a red test says which rule or unit test broke. */
async function promtool(...args: string[]): Promise<void> {
  const binary = requireExecutable(PROMTOOL_BINARY);
  try {
    await run(binary, args, { cwd: RULES_DIR });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr || message}`, { cause: error });
  }
}

/** The anchors GitHub gives markdown headings: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const headings = markdown.split('\n').filter((line) => /^#{1,6} /.test(line));
  return new Set(headings.map((line) => line.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

describe('probe/rules', () => {
  it('pass promtool check rules with lint problems fatal', async () => {
    await promtool('check', 'rules', '--lint=all', '--lint-fatal', ...RULE_FILES);
  });

  it.each(unitTestFiles)('pass the promtool unit tests in %s', async (file) => {
    await promtool('test', 'rules', join('tests', file));
  });

  it('give every alert a severity of page, ticket or warning', () => {
    for (const alert of alerts) expect(SEVERITIES, alert.alert).toContain(alert.labels?.severity);
  });

  it('give every alert a summary and a description', () => {
    for (const alert of alerts) {
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
    }
  });

  it('link every alert to its own section of docs/runbook.md', () => {
    const anchors = headingAnchors(readFileSync(join(root, 'docs/runbook.md'), 'utf8'));
    for (const alert of alerts) {
      const anchor = alert.alert!.toLowerCase();
      expect(alert.annotations?.runbook_url, alert.alert).toBe(RUNBOOK_URL + anchor);
      expect(anchors, `docs/runbook.md has no heading for ${alert.alert}`).toContain(anchor);
    }
  });

  it('explain every alert in docs/alerts.md', () => {
    const anchors = headingAnchors(readFileSync(join(root, 'docs/alerts.md'), 'utf8'));
    for (const alert of alerts) expect(anchors, `docs/alerts.md has no heading for ${alert.alert}`).toContain(alert.alert!.toLowerCase());
  });

  it('query only series the probe exposes, up, and recorded series', () => {
    const known = new Set([...PROBE_SERIES_NAMES, ...SCRAPE_SERIES_NAMES, ...recordedSeriesNames()]);
    for (const rule of rules) {
      const { errorOffsets, metricNames } = parsePromql(rule.expr);
      expect(errorOffsets, rule.expr).toEqual([]);
      for (const name of metricNames) expect(known, `${rule.alert ?? rule.record} queries ${name}`).toContain(name);
    }
  });

  it('select failures only by reasons and origins the probe reports', () => {
    for (const rule of rules) {
      for (const [, values] of rule.expr.matchAll(/\breason=~?"([^"]*)"/g)) {
        for (const reason of values!.split('|')) expect(FAILURE_REASON_NAMES, rule.alert ?? rule.record).toContain(reason);
      }
      for (const [, origin] of rule.expr.matchAll(/\borigin="([^"]*)"/g)) expect(['target', 'probe']).toContain(origin);
    }
  });
});
