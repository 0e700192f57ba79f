import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../src/core/gate.js';
import { buildReport, type Report } from '../src/core/report.js';
import { summarizeChecks } from '../src/core/summary.js';
import { renderSummaryTable } from '../src/report/table.js';
import { checkRuns, failedRun, runRecord } from './support/records.js';

const signup = [
  ...Array.from({ length: 16 }, (_, i) => runRecord({ check: 'signup', deliverySeconds: 2 + i * 0.5 })),
  runRecord({ check: 'signup', outcome: 'degraded', deliverySeconds: 31.5 }),
  failedRun('sms_not_received', { check: 'signup' }),
  failedRun('sms_not_received', { check: 'signup' }),
  failedRun('code_rejected', { check: 'signup', deliverySeconds: 12 }),
];
const login = checkRuns('login', { successes: 20, deliverySeconds: 3 });
const checks = [
  { name: 'signup', runs: signup },
  { name: 'login', runs: login },
];

function report(withGate: boolean): Report {
  return buildReport({
    checks,
    ...(withGate && { gate: evaluateGate(summarizeChecks(checks), { minSuccessRate: 0.95, maxP95DeliverySeconds: 30 }) }),
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:05:00.000Z',
    location: 'eu-west-1',
    version: '0.1.0',
  });
}

const rowOf = (text: string, name: string) => text.split('\n').find((line) => line.startsWith(`${name} `)) ?? '';

describe('renderSummaryTable', () => {
  const text = renderSummaryTable(report(true));

  it('shows a check’s counts, delivery percentiles and success rate with its interval', () => {
    const fields = rowOf(text, 'signup').split(/\s{2,}/);
    expect(fields).toEqual(['signup', '20', '16', '1', '3', '6 s', '31.5 s', '0.850 [0.640, 0.948]']);
  });

  it('lists each check’s failures by reason under the table, most frequent first', () => {
    expect(text).toContain('\nFailures by reason:\n  signup: sms_not_received 2, code_rejected 1\n\n');
  });

  it('fits 100 columns, wrapping a long list of failure reasons', () => {
    const reasons = ['sms_not_received', 'code_rejected', 'trigger_error', 'sms_late', 'trigger_rejected', 'verify_error', 'sms_undelivered', 'trigger_rate_limited'] as const;
    const runs = reasons.map((reason) => failedRun(reason, { check: 'a-check-named-at-some-length-x' }));
    const wide = renderSummaryTable(buildReport({ checks: [{ name: 'a-check-named-at-some-length-x', runs }], startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:05:00.000Z', location: 'eu-west-1', version: '0.1.0' }));
    const tableAndFailures = wide.slice(0, wide.indexOf('No gate thresholds set'));
    for (const line of tableAndFailures.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    for (const reason of reasons) expect(tableAndFailures).toContain(`${reason} 1`);
  });

  it('adds a pooled row when there is more than one check', () => {
    expect(rowOf(text, 'all checks').split(/\s{2,}/).slice(0, 5)).toEqual(['all checks', '40', '36', '1', '3']);
  });

  it('aligns every column: text flush left, figures flush right', () => {
    const [header, rule, ...rows] = text.split('\n').slice(0, 5);
    const columns = [...rule!.matchAll(/-+/g)].map((match) => ({ start: match.index, end: match.index + match[0].length - 1 }));
    expect(rows).toHaveLength(3);
    for (const line of [header!, ...rows]) {
      columns.forEach(({ start, end }, i) => {
        const edge = i === 0 ? start : end;
        expect(line[edge], `column ${i} of "${line}"`).not.toBe(' ');
      });
    }
  });

  it('states the verdict, each threshold with its observed value, and the reasons', () => {
    expect(text).toContain('Gate FAILED');
    expect(text).toContain('  FAIL  minSuccessRate 0.95: signup 0.85 (missed), login 1');
    expect(text).toContain('  FAIL  maxP95DeliverySeconds 30: signup 31.5 (missed), login 3');
    expect(text).toContain('  - signup: success rate 0.85 (17/20) is below 0.95');
    expect(text).toContain('  - signup: delivery p95 31.5 s (n=18) is above 30 s');
    expect(text).toContain('  note: login: 20 of 20 succeeded: the 95% lower bound is 0.84;');
  });

  it('says when no gate was evaluated', () => {
    expect(renderSummaryTable(report(false))).toContain('No gate thresholds set: measured only.');
  });

  it('heads a gate cut short with what cut it and the runs that finished, then its thresholds, saying it once', () => {
    const incomplete = { reason: 'interrupted by SIGTERM', signal: 'SIGTERM', finished: 40, planned: 150 } as const;
    const gate = evaluateGate(summarizeChecks(checks), { minSuccessRate: 0.8 }, {}, incomplete);
    const cut = renderSummaryTable({ ...report(false), gate, incomplete });
    expect(cut).toContain('\nGate INCOMPLETE: interrupted by SIGTERM after 40 of 150 runs\n  pass  minSuccessRate 0.8: signup 0.85, login 1\n');
    expect(cut.match(/interrupted by SIGTERM/g)).toHaveLength(1);
  });

  it('says INCOMPLETE for a measurement cut short too', () => {
    const incomplete = { reason: 'the suite timed out', finished: 40, planned: 60 };
    expect(renderSummaryTable({ ...report(false), incomplete })).toMatch(/\nGate INCOMPLETE: the suite timed out after 40 of 60 runs\n$/);
  });

  it('writes no ANSI escapes unless colour is asked for', () => {
    expect(text).not.toContain('\u001b[');
    const coloured = renderSummaryTable(report(true), { color: true });
    expect(coloured).toContain('\u001b[31mGate FAILED\u001b[0m');
    // eslint-disable-next-line no-control-regex -- an ANSI colour escape is what the test strips
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(text);
  });

  it('contains no phone number or code, not even masked', () => {
    expect(text).not.toMatch(/•|\+1555/);
  });
});
