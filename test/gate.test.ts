import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../src/core/gate.js';
import { createSequentialGate } from '../src/core/sequential.js';
import { summarizeChecks } from '../src/core/summary.js';
import { checkRuns, failedRun, runRecord } from './support/records.js';

describe('evaluateGate', () => {
  it('passes when every check meets every threshold, with no reasons', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 100 }) }]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95, maxP95DeliverySeconds: 30 });
    expect(result.passed).toBe(true);
    expect(result.reasons).toEqual([]);
    expect(result.thresholds.map((t) => [t.name, t.passed])).toEqual([['minSuccessRate', true], ['maxP95DeliverySeconds', true]]);
  });

  it('fails a success rate below the threshold with its count in the reason', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 17, failures: 3 }) }]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95 });
    expect(result.passed).toBe(false);
    expect(result.reasons).toEqual(['signup: success rate 0.85 (17/20) is below 0.95']);
    expect(result.thresholds[0]).toMatchObject({ name: 'minSuccessRate', threshold: 0.95, observed: 0.85, passed: false });
  });

  it('never prints a missed rate as equal to its threshold', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 189, failures: 10 }) }]);
    expect(evaluateGate(summary, { minSuccessRate: 0.95 }).reasons).toEqual(['signup: success rate 0.9497 (189/199) is below 0.95']);
  });

  it('passes 20 of 20 on the point estimate and notes that the interval cannot support the threshold yet', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 20 }) }]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95 });
    expect(result.passed).toBe(true);
    expect(result.notes).toEqual([
      'signup: 20 of 20 succeeded: the 95% lower bound is 0.84; 73 consecutive successes are needed to show ≥ 0.95',
    ]);
  });

  it('adds no small-sample note once the lower bound clears the threshold', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 73 }) }]);
    expect(evaluateGate(summary, { minSuccessRate: 0.95 }).notes).toEqual([]);
  });

  it('fails a delivery p95 above the threshold and names N', () => {
    const slow = [...checkRuns('signup', { successes: 18, deliverySeconds: 5 }), ...checkRuns('signup', { successes: 2, deliverySeconds: 41.25 })];
    const result = evaluateGate(summarizeChecks([{ name: 'signup', runs: slow }]), { maxP95DeliverySeconds: 30 });
    expect(result.reasons).toEqual(['signup: delivery p95 41.3 s (n=20) is above 30 s']);
  });

  it('notes that with fewer than 20 deliveries the p95 is the slowest delivery', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 5 }) }]);
    expect(evaluateGate(summary, { maxP95DeliverySeconds: 30 }).notes).toEqual([
      'signup: with 5 deliveries the nearest-rank p95 is the slowest one; 20 are needed for it to differ from the maximum',
    ]);
  });

  it('fails the delivery threshold when no SMS arrived at all', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { failures: 3 }) }]);
    expect(evaluateGate(summary, { maxP95DeliverySeconds: 30 }).reasons).toEqual([
      'signup: no SMS was delivered, so the delivery p95 cannot be measured',
    ]);
  });

  it('fails on a degraded run only when failOnDegraded is set', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: [...checkRuns('signup', { successes: 9 }), runRecord({ check: 'signup', outcome: 'degraded', deliverySeconds: 5 })] }]);
    expect(evaluateGate(summary, {}).passed).toBe(true);
    const strict = evaluateGate(summary, { failOnDegraded: true });
    expect(strict.passed).toBe(false);
    expect(strict.reasons).toEqual(['signup: 1 of 10 runs were degraded (slower than degradedAfter) and failOnDegraded is set']);
  });

  it('fails a check with fewer finished runs than minRuns', () => {
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 3 }) }]);
    expect(evaluateGate(summary, { minRuns: 5 }).reasons).toEqual(['signup: 3 finished runs, fewer than the 5 required']);
  });

  it('fails the gate when one check misses even though the pooled rate meets the threshold', () => {
    const summary = summarizeChecks([
      { name: 'signup', runs: checkRuns('signup', { successes: 100 }) },
      { name: 'login', runs: checkRuns('login', { successes: 18, failures: 2 }) },
    ]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95 });
    expect(result.passed).toBe(false);
    expect(result.thresholds[0]?.observed).toBeCloseTo(118 / 120, 12);
    expect(result.thresholds[0]?.perCheck).toEqual({ signup: { observed: 1, passed: true }, login: { observed: 0.9, passed: false } });
  });

  describe("failures of otp-canary's own (origin probe)", () => {
    const withOwnFailures = () => [
      ...checkRuns('signup', { successes: 19 }),
      failedRun('number_contention', { check: 'signup' }),
      failedRun('inbox_error', { check: 'signup' }),
    ];

    it('leaves them out of the success rate, so they never fail the target', () => {
      const summary = summarizeChecks([{ name: 'signup', runs: withOwnFailures() }]);
      const result = evaluateGate(summary, { minSuccessRate: 0.95 });

      expect(summary.checks['signup']).toMatchObject({ runs: 21, failures: 2, probeFailures: 2, successRate: 1 });
      expect(result.passed).toBe(true);
    });

    it('says how many there were and why', () => {
      const summary = summarizeChecks([{ name: 'signup', runs: withOwnFailures() }]);

      expect(evaluateGate(summary, { minSuccessRate: 0.95 }).notes).toContain(
        "signup: 2 runs failed for otp-canary's own reasons (number_contention ×1, inbox_error ×1), not the target's: left out of the success rate",
      );
    });

    it('still counts every target failure beside them', () => {
      const summary = summarizeChecks([{ name: 'signup', runs: [...checkRuns('signup', { successes: 17, failures: 3 }), failedRun('internal_error', { check: 'signup' })] }]);

      expect(evaluateGate(summary, { minSuccessRate: 0.95 }).reasons).toEqual(['signup: success rate 0.85 (17/20) is below 0.95']);
    });

    it('fails a gate in which no run exercised the target, saying so', () => {
      const summary = summarizeChecks([{ name: 'signup', runs: [failedRun('inbox_error', { check: 'signup' })] }]);
      const result = evaluateGate(summary, { minSuccessRate: 0.95 });

      expect(result.passed).toBe(false);
      expect(result.reasons).toEqual(['signup: no run exercised the target, so the success rate cannot be measured']);
    });
  });

  it('fails when there are thresholds but no checks ran', () => {
    const result = evaluateGate(summarizeChecks([]), { minSuccessRate: 0.95 });
    expect(result.passed).toBe(false);
    expect(result.reasons).toEqual(['no checks ran']);
  });

  it('lets a decided sequential test judge the success rate in place of the point estimate', () => {
    const sequential = createSequentialGate({ minSuccessRate: 0.95, maxSamples: 500 });
    for (let i = 0; i < 56; i += 1) sequential.observe(true);
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 56 }) }]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95 }, { signup: sequential.snapshot() });
    expect(result.passed).toBe(true);
    expect(result.notes).toEqual([
      'signup: the sequential test decided "pass" after 56 runs (log-likelihood ratio 2.95 ≥ 2.94; exact error rates 0.0499 ≤ α 0.05, 0.0353 ≤ β 0.05)',
    ]);
  });

  it('fails the check when its sequential test decides fail, saying so in the reason', () => {
    const sequential = createSequentialGate({ minSuccessRate: 0.95, maxSamples: 500 });
    for (let i = 0; i < 3; i += 1) sequential.observe(false);
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { failures: 3 }) }]);
    const result = evaluateGate(summary, { minSuccessRate: 0.95 }, { signup: sequential.snapshot() });
    expect(result.passed).toBe(false);
    expect(result.reasons).toEqual(['signup: success rate 0.00 (0/3) failed the sequential test against 0.95']);
  });

  it('rejects a sequential test run against a different threshold', () => {
    const sequential = createSequentialGate({ minSuccessRate: 0.9, maxSamples: 93 });
    const summary = summarizeChecks([{ name: 'signup', runs: [] }]);
    expect(() => evaluateGate(summary, { minSuccessRate: 0.95 }, { signup: sequential.snapshot() })).toThrow(
      'sequential result for check "signup" tests minSuccessRate 0.9, but gate.minSuccessRate is 0.95',
    );
  });

  describe('of a gate cut short', () => {
    const incomplete = { reason: 'interrupted by SIGTERM', signal: 'SIGTERM', finished: 10, planned: 150 } as const;
    const summary = summarizeChecks([{ name: 'signup', runs: checkRuns('signup', { successes: 10 }) }]);

    it('never passes, whatever the runs that finished show, and says why first', () => {
      const result = evaluateGate(summary, { minSuccessRate: 0.5 }, {}, incomplete);
      expect(result.passed).toBe(false);
      expect(result.reasons).toEqual(['interrupted by SIGTERM after 10 of 150 runs']);
    });

    it('still judges each threshold on the runs that finished', () => {
      const result = evaluateGate(summary, { minSuccessRate: 0.5, minRuns: 20 }, {}, incomplete);
      expect(result.thresholds.map((t) => [t.name, t.passed])).toEqual([['minRuns', false], ['minSuccessRate', true]]);
      expect(result.reasons).toEqual(['interrupted by SIGTERM after 10 of 150 runs', 'signup: 10 finished runs, fewer than the 20 required']);
    });

    it('does not pass even with no threshold to miss', () => {
      expect(evaluateGate(summary, {}, {}, incomplete).passed).toBe(false);
    });
  });

  it('rejects a success-rate threshold above 1, naming the setting', () => {
    expect(() => evaluateGate(summarizeChecks([]), { minSuccessRate: 95 })).toThrow('gate.minSuccessRate must be in (0, 1], got 95');
  });
});
