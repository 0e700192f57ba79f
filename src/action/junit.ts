// The report as JUnit XML, the format test-report tools read: a test suite per check, a test case per
// run, a failure carrying the reason (its type) and the masked detail. Cancelled runs are skipped. A
// gate cut short says so in every suite's properties (`otp-canary.incomplete`).

import { describeIncomplete } from '../core/gate.js';
import type { Report } from '../core/report.js';
import { formatSeconds } from '../core/seconds.js';
import type { RunRecord } from '../core/types.js';

export function renderJUnit(report: Report): string {
  const properties =
    report.incomplete === undefined
      ? []
      : ['    <properties>', `      <property${attrs({ name: 'otp-canary.incomplete', value: describeIncomplete(report.incomplete) })}/>`, '    </properties>'];
  const suites = report.checks.map((check) => {
    const { summary } = check;
    const cases = check.runs.map((run, index) => testCase(check.name, run, index + 1));
    const attributes = attrs({
      name: check.name,
      tests: check.runs.length,
      failures: summary.failures,
      errors: 0,
      skipped: summary.cancelled,
      time: totalSeconds(check.runs),
      timestamp: check.runs[0]?.startedAt ?? report.startedAt,
    });
    return [`  <testsuite${attributes}>`, ...properties, ...cases, '  </testsuite>'].join('\n');
  });
  const root = attrs({
    name: 'otp-canary',
    tests: report.checks.reduce((total, check) => total + check.runs.length, 0),
    failures: report.overall.failures,
    errors: 0,
    skipped: report.overall.cancelled,
    time: seconds(report.durationMs),
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${root}>`, ...suites, '</testsuites>', ''].join('\n');
}

function testCase(check: string, run: RunRecord, ordinal: number): string {
  const open = `    <testcase${attrs({ classname: `otp-canary.${check}`, name: `${check} run ${ordinal}`, time: seconds(run.timings.totalMs) })}`;
  const out = `      <system-out>${escapeXml(describe(run))}</system-out>`;
  if (run.cancelled === true) return [`${open}>`, `      <skipped${attrs({ message: 'cancelled before it finished' })}/>`, out, '    </testcase>'].join('\n');
  if (run.outcome === 'failure') {
    const message = `${run.reason} at ${run.stage}`;
    const body = `${run.detail ?? ''}${run.providerCode === undefined ? '' : ` (provider code ${run.providerCode})`}`;
    return [`${open}>`, `      <failure${attrs({ type: run.reason ?? 'failure', message })}>${escapeXml(body)}</failure>`, out, '    </testcase>'].join('\n');
  }
  return [`${open}>`, out, '    </testcase>'].join('\n');
}

function describe(run: RunRecord): string {
  const delivery = run.deliverySeconds === undefined ? 'no SMS' : `delivered in ${formatSeconds(run.deliverySeconds)}`;
  const warnings = run.warnings.length === 0 ? '' : `, warnings: ${run.warnings.join(', ')}`;
  return `${run.outcome} on ${run.number} at ${run.startedAt}, ${delivery}${run.code === undefined ? '' : `, code ${run.code}`}${warnings}`;
}

function totalSeconds(runs: readonly RunRecord[]): string {
  return seconds(runs.reduce((total, run) => total + run.timings.totalMs, 0));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

/** XML 1.0 escapes, and characters XML 1.0 cannot hold at all replaced by U+FFFD. */
export function escapeXml(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex -- the control characters XML 1.0 allows are listed on purpose
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
