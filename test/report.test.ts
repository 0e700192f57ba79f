import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../src/core/gate.js';
import { buildReport, verdictOf } from '../src/core/report.js';
import { summarizeChecks, summarizeRuns } from '../src/core/summary.js';
import { failedRun, runRecord } from './support/records.js';

const check = 'signup';

describe('summarizeRuns', () => {
  it('counts degraded runs as successes and as degraded', () => {
    const summary = summarizeRuns([runRecord({ check }), runRecord({ check, outcome: 'degraded' }), failedRun('sms_not_received', { check })]);
    expect(summary).toMatchObject({ runs: 3, successes: 2, degraded: 1, failures: 1 });
    expect(summary.successRate).toBeCloseTo(2 / 3, 12);
  });

  it('counts each failure reason that occurred and no other', () => {
    const summary = summarizeRuns([failedRun('sms_not_received', { check }), failedRun('sms_not_received', { check }), failedRun('code_rejected', { check })]);
    expect(summary.failuresByReason).toEqual({ sms_not_received: 2, code_rejected: 1 });
  });

  it('leaves cancelled runs out of every figure but their own count', () => {
    const summary = summarizeRuns([runRecord({ check }), failedRun('internal_error', { check, cancelled: true })]);
    expect(summary).toMatchObject({ runs: 1, successes: 1, failures: 0, cancelled: 1, successRate: 1, failuresByReason: {} });
  });

  it('includes the delivery latency of failed runs whose SMS arrived late', () => {
    const summary = summarizeRuns([runRecord({ check, deliverySeconds: 3 }), failedRun('sms_late', { check, deliverySeconds: 400 })]);
    expect(summary).toMatchObject({ deliverySamples: 2, deliveryP50Seconds: 3, deliveryP95Seconds: 400, deliveryMaxSeconds: 400 });
  });

  it('has no rate or latency, and the whole [0, 1] interval, for no runs', () => {
    const summary = summarizeRuns([]);
    expect(summary.successRate).toBeUndefined();
    expect(summary.deliveryP95Seconds).toBeUndefined();
    expect(summary.successRateInterval).toEqual({ lower: 0, upper: 1, confidence: 0.95 });
  });

  it('rejects a failed run without a reason, naming the run', () => {
    expect(() => summarizeRuns([runRecord({ check, outcome: 'failure', id: 'r-9' })])).toThrow('run r-9 of check signup has outcome failure but no reason');
  });
});

describe('summarizeChecks', () => {
  it('rejects two checks with the same name', () => {
    expect(() => summarizeChecks([{ name: 'a', runs: [] }, { name: 'a', runs: [] }])).toThrow('check name "a" appears more than once');
  });
});

describe('buildReport', () => {
  const checks = [{ name: 'signup', runs: [runRecord({ check, deliverySeconds: 4 }), runRecord({ check, outcome: 'degraded', deliverySeconds: 25 }), failedRun('sms_undelivered', { check, providerCode: '30003' })] }];
  const base = { checks, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:02:30.000Z', location: 'eu-west-1', version: '0.1.0' };

  it('carries schema version 1, the run metadata and the duration', () => {
    expect(buildReport(base)).toMatchObject({
      schemaVersion: 1,
      version: '0.1.0',
      location: 'eu-west-1',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:02:30.000Z',
      durationMs: 150_000,
    });
  });

  it('keeps every run record field as recorded', () => {
    expect(buildReport(base).checks[0]?.runs).toEqual(checks[0]!.runs);
  });

  it('summarises each check with its Wilson interval and latency percentiles', () => {
    const summary = buildReport(base).checks[0]?.summary;
    expect(summary).toMatchObject({ runs: 3, successes: 2, degraded: 1, failures: 1, deliveryP50Seconds: 4, deliveryP95Seconds: 25 });
    expect(summary?.failuresByReason).toEqual({ sms_undelivered: 1 });
    expect(summary?.successRateInterval.lower).toBeCloseTo(0.2077, 4);
  });

  it('includes the gate verdict when one was evaluated, and omits it otherwise', () => {
    const gate = evaluateGate(summarizeChecks(checks), { minSuccessRate: 0.95 });
    expect(buildReport({ ...base, gate }).gate).toEqual(gate);
    expect(buildReport(base)).not.toHaveProperty('gate');
  });

  it('carries the mark of a gate cut short, and omits it otherwise', () => {
    const incomplete = { reason: 'interrupted by SIGINT', signal: 'SIGINT', finished: 3, planned: 20 } as const;
    expect(buildReport({ ...base, incomplete }).incomplete).toEqual(incomplete);
    expect(buildReport(base)).not.toHaveProperty('incomplete');
  });

  it('masks a phone number or code that reached it unmasked', () => {
    const leaky = [{ name: 'signup', runs: [runRecord({ check, number: '+15555550100', code: '482913' })] }];
    const [masked] = buildReport({ ...base, checks: leaky }).checks[0]!.runs;
    expect(masked).toMatchObject({ number: '+1555•••0100', code: '••••••' });
    expect(JSON.stringify(buildReport({ ...base, checks: leaky }))).not.toMatch(/5555550100|482913/);
  });

  it('survives a JSON round trip unchanged', () => {
    const report = buildReport(base);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('rejects a timestamp that is not ISO 8601, naming the field', () => {
    expect(() => buildReport({ ...base, finishedAt: 'later' })).toThrow('report finishedAt is not an ISO 8601 timestamp: "later"');
  });

  it('rejects a finish before the start', () => {
    expect(() => buildReport({ ...base, finishedAt: '2025-12-31T23:59:59.000Z' })).toThrow('is before startedAt');
  });
});

describe('verdictOf', () => {
  const incomplete = { reason: 'interrupted by SIGTERM', finished: 3, planned: 20 };
  const passed = evaluateGate(summarizeChecks([{ name: check, runs: [runRecord({ check })] }]), { minSuccessRate: 0.5 });

  it('is incomplete for a report cut short, whatever its gate says or without one', () => {
    expect(verdictOf({ gate: passed, incomplete })).toBe('incomplete');
    expect(verdictOf({ incomplete })).toBe('incomplete');
  });

  it("is the gate's verdict for a report that ran to its end, and measured without a gate", () => {
    expect(verdictOf({ gate: passed })).toBe('passed');
    expect(verdictOf({ gate: { ...passed, passed: false } })).toBe('failed');
    expect(verdictOf({})).toBe('measured');
  });
});
