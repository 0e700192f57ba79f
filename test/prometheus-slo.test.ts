// The Prometheus-backed gate's pure parts: the PromQL it sends (the recording rules' definition over any
// window), what Prometheus's answers amount to, and the verdict on them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePromqlDuration, sloQueries, type SloQueryName } from '../src/prometheus/queries.js';
import { evaluateSloGate, sloFigures, sloReport, type SloVectors, type VectorSample } from '../src/prometheus/slo.js';
import { parsePromql } from './support/promql.js';
import { RULES_DIR } from './support/prometheus-rules.js';

const sample = (labels: Record<string, string>, value: number): VectorSample => ({ labels, value });
const none: SloVectors = {
  runs: [],
  probeFailures: [],
  targetFailures: [],
  degraded: [],
  deliveryBuckets: [],
  deliveryP50: [],
  deliveryP95: [],
  pooledDeliveryP50: [],
  pooledDeliveryP95: [],
};
const vectors = (answers: Partial<Record<SloQueryName, VectorSample[]>>): SloVectors => ({ ...none, ...answers });

/** signup in two locations with two inbox errors (the probe's own), login everywhere refused at trigger. */
const TWO_CHECKS = vectors({
  runs: [sample({ check: 'signup', location: 'eu' }, 20), sample({ check: 'signup', location: 'us' }, 10), sample({ check: 'login', location: 'eu' }, 12)],
  probeFailures: [sample({ check: 'signup', location: 'eu' }, 2), sample({ check: 'signup', location: 'us' }, 0), sample({ check: 'login', location: 'eu' }, 0)],
  targetFailures: [
    sample({ check: 'signup', location: 'eu', reason: 'sms_not_received' }, 1),
    sample({ check: 'signup', location: 'us', reason: 'sms_late' }, 1),
    sample({ check: 'signup', location: 'us', reason: 'code_rejected' }, 0),
    sample({ check: 'login', location: 'eu', reason: 'trigger_rejected' }, 3),
  ],
  degraded: [sample({ check: 'signup', location: 'eu' }, 4), sample({ check: 'login', location: 'eu' }, 0)],
  deliveryBuckets: [
    sample({ check: 'signup', le: '1' }, 20),
    sample({ check: 'signup', le: '2' }, 25),
    sample({ check: 'signup', le: '+Inf' }, 27),
    sample({ check: 'login', le: '1' }, 9),
    sample({ check: 'login', le: '2' }, 9),
    sample({ check: 'login', le: '+Inf' }, 9),
  ],
  deliveryP50: [sample({ check: 'signup' }, 0.68), sample({ check: 'login' }, 0.5)],
  deliveryP95: [sample({ check: 'signup' }, 2.4), sample({ check: 'login' }, 0.95)],
  pooledDeliveryP50: [sample({}, 0.62)],
  pooledDeliveryP95: [sample({}, 1.9)],
});

/** What Prometheus answers when the queries select one check: its series only. */
function only(check: string, answers: SloVectors): SloVectors {
  const selected = { ...answers };
  for (const name of Object.keys(selected) as SloQueryName[]) {
    selected[name] = answers[name].filter((s) => s.labels['check'] === undefined || s.labels['check'] === check);
  }
  return selected;
}

describe('parsePromqlDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
    ['500ms', 500],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parsePromqlDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1.5h', '5 m', '0s', '-5m', '5M', '1h]', '5m)'])('refuses "%s", which PromQL would not take as a range', (text) => {
    expect(parsePromqlDuration(text)).toBeUndefined();
  });
});

describe('sloQueries', () => {
  const recording = parse(readFileSync(join(RULES_DIR, 'otp-canary-recording.yml'), 'utf8')) as { groups: { rules: { record?: string; expr: string }[] }[] };
  const ruleExpr = (record: string) => {
    const rule = recording.groups.flatMap((group) => group.rules).find((candidate) => candidate.record === record);
    if (rule === undefined) throw new Error(`no recording rule ${record}`);
    return rule.expr.replace(/\s+/g, ' ').trim();
  };

  it("counts target runs exactly as the recording rules do: runs minus the probe's own failures", () => {
    const queries = sloQueries({ window: '5m' });
    expect(`${queries.runs} - ${queries.probeFailures}`).toBe(ruleExpr('check_location:otp_canary_target_runs:increase5m'));
  });

  it('counts target failures as the recording rules do, split by reason', () => {
    const queries = sloQueries({ window: '1h' });
    expect(queries.targetFailures.replace('by (check, location, reason)', 'by (check, location)')).toBe(ruleExpr('check_location:otp_canary_target_failures:increase1h'));
  });

  it('estimates the delivery p95 per check with histogram_quantile over the window', () => {
    expect(sloQueries({ window: '2h' }).deliveryP95).toBe(
      'histogram_quantile(0.95, sum by (le, check) (increase(otp_canary_delivery_seconds_bucket[2h])))',
    );
  });

  it('selects the named checks by their exact names', () => {
    const queries = sloQueries({ window: '5m', checks: ['signup-us', 'login.web'] });
    expect(queries.probeFailures).toBe(
      'sum by (check, location) (increase(otp_canary_failures_total{check=~"signup-us|login\\\\.web", origin="probe"}[5m]))',
    );
  });

  it('builds only valid PromQL', () => {
    for (const expr of Object.values(sloQueries({ window: '1h30m', checks: ['a.b', 'c'] }))) {
      expect(parsePromql(expr).errorOffsets, expr).toEqual([]);
    }
  });

  it.each([
    [{ window: '1h; drop' }, 'window must be a PromQL duration such as 5m, 1h or 1h30m, got "1h; drop"'],
    [{ window: '5m', checks: ['a"}[5m]) or vector(1'] }, 'check name "a"}[5m]) or vector(1" is not a valid check name (a-z, 0-9, "_", "." and "-")'],
  ])('refuses what would change the query: %j', (options, message) => {
    expect(() => sloQueries(options)).toThrow(new RangeError(message));
  });
});

describe('sloFigures', () => {
  it('takes the success ratio as the rules do: 1 − target failures / (runs − probe failures), over all locations', () => {
    const { summary } = sloFigures(TWO_CHECKS);
    expect(summary.checks['signup']).toMatchObject({ runs: 28, failures: 2, successes: 26, successRate: 1 - 2 / 28 });
    expect(summary.checks['login']).toMatchObject({ runs: 12, failures: 3, successRate: 1 - 3 / 12 });
    expect(summary.overall).toMatchObject({ runs: 40, failures: 5, successRate: 1 - 5 / 40 });
  });

  it("lists the target's failures by reason and keeps the probe's own apart", () => {
    const figures = sloFigures(TWO_CHECKS);
    expect(figures.summary.checks['signup']!.failuresByReason).toEqual({ sms_not_received: 1, sms_late: 1 });
    expect(figures.summary.overall.failuresByReason).toEqual({ sms_not_received: 1, sms_late: 1, trigger_rejected: 3 });
    expect(figures.probeFailures).toEqual({ login: 0, signup: 2 });
  });

  it('rounds the estimated counts to whole runs but keeps the ratio unrounded', () => {
    const { summary } = sloFigures(
      vectors({ runs: [sample({ check: 'signup', location: 'eu' }, 20.6)], targetFailures: [sample({ check: 'signup', location: 'eu', reason: 'sms_late' }, 1.03)] }),
    );
    expect(summary.checks['signup']).toMatchObject({ runs: 21, failures: 1, successes: 20, successRate: 1 - 1.03 / 20.6 });
    expect(summary.checks['signup']!.successRateInterval.lower).toBeGreaterThan(0.7);
  });

  it('takes delivery percentiles from histogram_quantile and their N from the +Inf bucket', () => {
    const { summary } = sloFigures(TWO_CHECKS);
    expect(summary.checks['signup']).toMatchObject({ deliverySamples: 27, deliveryP50Seconds: 0.68, deliveryP95Seconds: 2.4 });
    expect(summary.overall).toMatchObject({ deliverySamples: 36, deliveryP50Seconds: 0.62, deliveryP95Seconds: 1.9 });
    expect(summary.checks['signup']!.deliveryMaxSeconds).toBeUndefined();
  });

  it('has no delivery percentile where histogram_quantile answers NaN (no SMS in the window)', () => {
    const { summary } = sloFigures(
      vectors({ runs: [sample({ check: 'blocked', location: 'eu' }, 5)], deliveryBuckets: [sample({ check: 'blocked', le: '+Inf' }, 0)], deliveryP95: [sample({ check: 'blocked' }, NaN)] }),
    );
    expect(summary.checks['blocked']).toMatchObject({ deliverySamples: 0 });
    expect(summary.checks['blocked']!.deliveryP95Seconds).toBeUndefined();
  });

  it('pools the cumulative buckets of every check into per-bucket counts', () => {
    expect(sloFigures(TWO_CHECKS).deliveryBuckets).toEqual([
      { lower: 0, upper: 1, count: 29 },
      { lower: 1, upper: 2, count: 5 },
      { lower: 2, upper: Infinity, count: 2 },
    ]);
  });

  it('names the checks asked for that have no series, and the locations of those that do', () => {
    const figures = sloFigures(TWO_CHECKS, ['signup', 'sign-up']);
    expect(figures.missingChecks).toEqual(['sign-up']);
    expect(figures.locations).toEqual(['eu', 'us']);
  });
});

describe('evaluateSloGate', () => {
  const options = { window: '1h', minRuns: 10 };

  it('passes checks that meet every threshold, with enough runs', () => {
    const gate = evaluateSloGate(sloFigures(only('signup', TWO_CHECKS), ['signup']), { minSuccessRate: 0.9, maxP95DeliverySeconds: 5 }, options);
    expect(gate.passed).toBe(true);
    expect(gate.thresholds.map((threshold) => threshold.name)).toEqual(['minRuns', 'minSuccessRate', 'maxP95DeliverySeconds']);
  });

  it("fails a check whose success rate is below the threshold, with the rules' figure in the reason", () => {
    const gate = evaluateSloGate(sloFigures(TWO_CHECKS), { minSuccessRate: 0.9 }, options);
    expect(gate.passed).toBe(false);
    expect(gate.reasons).toEqual(['login: success rate 0.75 (9/12) is below 0.9']);
  });

  it('fails a check with fewer runs in the window than min-runs, whatever its success rate', () => {
    const gate = evaluateSloGate(sloFigures(TWO_CHECKS), {}, { window: '1h', minRuns: 20 });
    expect(gate.passed).toBe(false);
    expect(gate.reasons).toEqual(['login: 12 finished runs, fewer than the 20 required']);
  });

  it('fails on a delivery p95 estimate above the threshold, saying it is an estimate', () => {
    const gate = evaluateSloGate(sloFigures(TWO_CHECKS), { maxP95DeliverySeconds: 2 }, options);
    expect(gate.reasons).toEqual(['signup: delivery p95 2.4 s (histogram estimate, n=27) is above 2 s']);
    expect(gate.notes.join('\n')).not.toContain('nearest-rank');
  });

  it('fails a check with no delivery in the window on a p95 threshold', () => {
    const figures = sloFigures(vectors({ runs: [sample({ check: 'blocked', location: 'eu' }, 12)] }));
    expect(evaluateSloGate(figures, { maxP95DeliverySeconds: 30 }, options).reasons).toEqual([
      'blocked: no SMS was delivered in the last 1h, so the delivery p95 cannot be estimated',
    ]);
  });

  it('fails a check asked for by name that has no series, saying where to look', () => {
    const gate = evaluateSloGate(sloFigures(only('signup', TWO_CHECKS), ['signup', 'sign-up']), { minSuccessRate: 0.5 }, options);
    expect(gate.passed).toBe(false);
    expect(gate.reasons).toEqual([
      'sign-up: Prometheus has no otp_canary_runs_total series for this check over the last 1h (is the name right, and is its probe scraped?)',
    ]);
  });

  it('fails when Prometheus has no check at all: no data is never a pass', () => {
    const gate = evaluateSloGate(sloFigures(none), { minSuccessRate: 0.5 }, options);
    expect(gate).toEqual({
      passed: false,
      thresholds: [],
      reasons: ['Prometheus has no otp_canary_runs_total series over the last 1h: no probe reports to it, or its scrape configuration lost the probe'],
      notes: [],
    });
  });

  it("notes the runs left out because they failed on otp-canary's own side", () => {
    const gate = evaluateSloGate(sloFigures(TWO_CHECKS), {}, options);
    expect(gate.notes).toContain("signup: 2 runs failed on otp-canary's own side (origin probe) and are left out, as the SLO rules do");
  });
});

describe('sloReport', () => {
  it('spans the window up to the evaluation instant, with the checks and no run records', () => {
    const figures = sloFigures(TWO_CHECKS);
    const report = sloReport({ figures, gate: evaluateSloGate(figures, {}, { window: '1h', minRuns: 1 }), evaluatedAtMs: Date.parse('2025-03-01T12:00:00Z'), windowMs: 3_600_000, version: '1.2.3' });
    expect(report).toMatchObject({ startedAt: '2025-03-01T11:00:00.000Z', finishedAt: '2025-03-01T12:00:00.000Z', durationMs: 3_600_000, location: 'eu, us', version: '1.2.3' });
    expect(report.checks.map((check) => [check.name, check.runs.length])).toEqual([['login', 0], ['signup', 0]]);
  });
});
