import { spawn } from 'node:child_process';
import fc from 'fast-check';
import type { MetricValue } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { maskCode, maskNumber } from '../src/core/mask.js';
import { FAILURE_REASONS, FAILURE_REASON_NAMES, WARNINGS, type FailureReason } from '../src/core/outcome.js';
import { createProbeMetrics, type ProbeMetrics } from '../src/probe/metrics.js';
import { PROMTOOL_BINARY, requireExecutable } from './support/prerequisites.js';
import { REAL_CODE, REAL_NUMBER, controlRecord, failedRun, runRecord } from './support/records.js';

function probeMetrics(checks = ['signup-us']): ProbeMetrics {
  return createProbeMetrics({ version: '1.2.3', location: 'eu-west-1', checks: checks.map((name) => ({ name })) });
}

async function values(metrics: ProbeMetrics, name: string): Promise<MetricValue<string>[]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values;
}

async function sumOf(metrics: ProbeMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await values(metrics, name))
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

function promtoolCheckMetrics(exposition: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireExecutable(PROMTOOL_BINARY), ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

describe('probe metrics', () => {
  it('passes promtool check metrics after runs, failures, skips and controls', async () => {
    const metrics = probeMetrics(['signup-us', 'login "eu"']);
    metrics.recordRun(runRecord());
    metrics.recordRun(runRecord({ outcome: 'degraded', timings: { totalMs: 40_000 }, deliverySeconds: 38 }));
    metrics.recordRun(failedRun('sms_not_received'));
    metrics.recordRun(failedRun('inbox_error', { check: 'login "eu"' }));
    metrics.recordSkip('signup-us', 'overlap');
    metrics.recordControl(controlRecord({ status: 'violated' }));

    const result = await promtoolCheckMetrics(await metrics.renderOwn());

    expect(result).toEqual({ code: 0, output: '' });
  });

  it('serves Node default metrics under their standard names beside its own, but keeps them out of renderOwn', async () => {
    const metrics = probeMetrics();

    const [all, own] = [await metrics.render(), await metrics.renderOwn()];

    expect(all).toContain('otp_canary_runs_total{');
    expect(all).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(own).not.toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('pre-sets every failure reason to 0 for every check, under the stage of the reason table', async () => {
    const metrics = probeMetrics(['signup-us', 'login-eu']);

    const samples = await values(metrics, 'otp_canary_failures_total');

    expect(samples).toHaveLength(2 * FAILURE_REASON_NAMES.length);
    for (const check of ['signup-us', 'login-eu']) {
      for (const reason of FAILURE_REASON_NAMES) {
        const { stage, origin } = FAILURE_REASONS[reason];
        expect(samples).toContainEqual({ labels: { check, location: 'eu-west-1', stage, reason, origin }, value: 0 });
      }
    }
  });

  it('pre-sets runs, degraded, every skip reason and histogram counts to 0, and sets info to 1', async () => {
    const own = await probeMetrics().renderOwn();

    expect(own).toContain('otp_canary_runs_total{check="signup-us",location="eu-west-1"} 0');
    expect(own).toContain('otp_canary_degraded_total{check="signup-us",location="eu-west-1"} 0');
    expect(own).toContain('otp_canary_skipped_runs_total{check="signup-us",reason="overlap"} 0');
    expect(own).toContain('otp_canary_skipped_runs_total{check="signup-us",reason="number_busy"} 0');
    expect(own).toContain('otp_canary_skipped_runs_total{check="signup-us",reason="held"} 0');
    expect(own).toContain('otp_canary_delivery_seconds_count{check="signup-us",location="eu-west-1"} 0');
    expect(own).toContain('otp_canary_step_duration_seconds_count{check="signup-us",location="eu-west-1",step="verify"} 0');
    expect(own).toContain('otp_canary_info{version="1.2.3"} 1');
  });

  it('pre-sets the auth failures of both acting endpoints to 0, whatever the checks, and counts each refusal under its endpoint', async () => {
    const metrics = probeMetrics([]);
    expect(await values(metrics, 'otp_canary_probe_auth_failures_total')).toEqual([
      { value: 0, labels: { endpoint: 'run' } },
      { value: 0, labels: { endpoint: 'holds' } },
    ]);

    metrics.recordAuthFailure('holds');

    expect(await sumOf(metrics, 'otp_canary_probe_auth_failures_total', { endpoint: 'holds' })).toBe(1);
    expect(await sumOf(metrics, 'otp_canary_probe_auth_failures_total', { endpoint: 'run' })).toBe(0);
  });

  it('pre-sets every warning to 0 for every check', async () => {
    const samples = await values(probeMetrics(['signup-us', 'login-eu']), 'otp_canary_warnings_total');

    expect(samples).toHaveLength(2 * WARNINGS.length);
    expect(samples.every((sample) => sample.value === 0)).toBe(true);
  });

  it('counts each warning once per run that carried it', async () => {
    const metrics = probeMetrics();
    metrics.recordRun(runRecord({ warnings: ['late_sms_awaited', 'code_retried'] }));
    metrics.recordRun(failedRun('number_contention', { warnings: ['late_sms_awaited'] }));

    const own = await metrics.renderOwn();

    expect(own).toContain('otp_canary_warnings_total{check="signup-us",location="eu-west-1",warning="late_sms_awaited"} 2');
    expect(own).toContain('otp_canary_warnings_total{check="signup-us",location="eu-west-1",warning="code_retried"} 1');
    expect(own).toContain('otp_canary_warnings_total{check="signup-us",location="eu-west-1",warning="foreign_sms"} 0');
  });

  it('leaves the last-run gauges absent until a check has run', async () => {
    const own = await probeMetrics().renderOwn();

    expect(own).not.toMatch(/^otp_canary_success\{/m);
    expect(own).not.toMatch(/^otp_canary_last_run_timestamp_seconds\{/m);
    expect(own).not.toMatch(/^otp_canary_control_status\{/m);
  });

  it('keeps runs_total equal to the runs and the sum of failures_total equal to the failed runs, per reason', async () => {
    const outcome = fc.constantFrom<'success' | 'degraded' | FailureReason>('success', 'degraded', ...FAILURE_REASON_NAMES);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ check: fc.constantFrom('a', 'b', 'c'), outcome, cancelled: fc.boolean() }), { maxLength: 40 }), async (plan) => {
        const metrics = probeMetrics(['a', 'b']);
        for (const step of plan) {
          const overrides = { check: step.check, cancelled: step.cancelled };
          metrics.recordRun(step.outcome === 'success' || step.outcome === 'degraded' ? runRecord({ ...overrides, outcome: step.outcome }) : failedRun(step.outcome, overrides));
        }

        expect(await sumOf(metrics, 'otp_canary_runs_total')).toBe(plan.length);
        const failed = plan.filter((step) => step.outcome !== 'success' && step.outcome !== 'degraded');
        expect(await sumOf(metrics, 'otp_canary_failures_total')).toBe(failed.length);
        expect(await sumOf(metrics, 'otp_canary_degraded_total')).toBe(plan.filter((step) => step.outcome === 'degraded').length);
        for (const reason of FAILURE_REASON_NAMES) {
          expect(await sumOf(metrics, 'otp_canary_failures_total', { reason })).toBe(failed.filter((step) => step.outcome === reason).length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('counts a cancelled run as a run and its failure under its reason', async () => {
    const metrics = probeMetrics();

    metrics.recordRun(failedRun('internal_error', { cancelled: true }));

    expect(await sumOf(metrics, 'otp_canary_runs_total')).toBe(1);
    expect(await sumOf(metrics, 'otp_canary_failures_total', { reason: 'internal_error' })).toBe(1);
  });

  it('labels an any-stage failure with stage "any" whatever stage the run reached', async () => {
    const metrics = probeMetrics();

    metrics.recordRun(failedRun('inbox_error', { stage: 'deliver' }));

    expect(await metrics.renderOwn()).toContain(
      'otp_canary_failures_total{check="signup-us",location="eu-west-1",stage="any",reason="inbox_error",origin="probe"} 1',
    );
  });

  it('observes delivery, journey and step durations in seconds into their buckets', async () => {
    const metrics = probeMetrics();

    metrics.recordRun(runRecord({ deliverySeconds: 29.5, timings: { triggerMs: 120, verifyMs: 2_000, totalMs: 31_000 } }));
    metrics.recordRun(failedRun('sms_not_received', { timings: { triggerMs: 130, totalMs: 60_000 } }));
    const own = await metrics.renderOwn();

    expect(own).toContain('otp_canary_delivery_seconds_bucket{le="20",check="signup-us",location="eu-west-1"} 0');
    expect(own).toContain('otp_canary_delivery_seconds_bucket{le="30",check="signup-us",location="eu-west-1"} 1');
    expect(own).toContain('otp_canary_delivery_seconds_count{check="signup-us",location="eu-west-1"} 1');
    expect(own).toContain('otp_canary_duration_seconds_count{check="signup-us",location="eu-west-1"} 2');
    expect(own).toContain('otp_canary_duration_seconds_bucket{le="45",check="signup-us",location="eu-west-1"} 1');
    expect(own).toContain('otp_canary_step_duration_seconds_count{check="signup-us",location="eu-west-1",step="trigger"} 2');
    expect(own).toContain('otp_canary_step_duration_seconds_bucket{le="0.25",check="signup-us",location="eu-west-1",step="trigger"} 2');
    expect(own).toContain('otp_canary_step_duration_seconds_bucket{le="1",check="signup-us",location="eu-west-1",step="verify"} 0');
    expect(own).toContain('otp_canary_step_duration_seconds_count{check="signup-us",location="eu-west-1",step="verify"} 1');
  });

  it('sets success and the timestamps from the run end, keeping the last success through a later failure', async () => {
    const metrics = probeMetrics();
    const startedAtSeconds = Date.parse('2025-03-01T12:00:00.000Z') / 1000;

    metrics.recordRun(runRecord({ startedAt: '2025-03-01T12:00:00.000Z', timings: { totalMs: 4_500 } }));
    metrics.recordRun(failedRun('trigger_error', { startedAt: '2025-03-01T12:05:00.000Z', timings: { totalMs: 2_000 } }));

    expect(await sumOf(metrics, 'otp_canary_success')).toBe(0);
    expect(await sumOf(metrics, 'otp_canary_last_run_timestamp_seconds')).toBe(startedAtSeconds + 302);
    expect(await sumOf(metrics, 'otp_canary_last_success_timestamp_seconds')).toBe(startedAtSeconds + 4.5);
  });

  it('counts skipped runs by reason', async () => {
    const metrics = probeMetrics();

    metrics.recordSkip('signup-us', 'number_busy');
    metrics.recordSkip('signup-us', 'number_busy');

    expect(await sumOf(metrics, 'otp_canary_skipped_runs_total', { reason: 'number_busy' })).toBe(2);
    expect(await sumOf(metrics, 'otp_canary_skipped_runs_total', { reason: 'overlap' })).toBe(0);
  });

  it('maps control results to 1 passed, 0 violated and -1 inconclusive', async () => {
    const metrics = probeMetrics();

    metrics.recordControl(controlRecord({ control: 'single_use', status: 'passed' }));
    metrics.recordControl(controlRecord({ control: 'wrong_code_rejected', status: 'violated' }));
    metrics.recordControl(controlRecord({ control: 'code_expires', status: 'inconclusive' }));

    expect(await values(metrics, 'otp_canary_control_status')).toEqual(
      expect.arrayContaining([
        { labels: { check: 'signup-us', control: 'single_use' }, value: 1 },
        { labels: { check: 'signup-us', control: 'wrong_code_rejected' }, value: 0 },
        { labels: { check: 'signup-us', control: 'code_expires' }, value: -1 },
      ]),
    );
  });

  it('on reload, pre-sets new checks and removes every series of removed checks', async () => {
    const metrics = probeMetrics(['old', 'kept']);
    metrics.recordRun(runRecord({ check: 'old' }));
    metrics.recordSkip('old', 'overlap');
    metrics.recordControl(controlRecord({ check: 'old' }));

    metrics.setChecks([{ name: 'kept' }, { name: 'new' }]);
    const own = await metrics.renderOwn();

    expect(own).not.toContain('check="old"');
    expect(own).toContain('otp_canary_runs_total{check="new",location="eu-west-1"} 0');
    expect(own).toContain('otp_canary_runs_total{check="kept",location="eu-west-1"} 0');
  });

  it('on reload, removes the status of controls a kept check no longer asserts', async () => {
    const metrics = createProbeMetrics({ version: '1', location: 'x', checks: [{ name: 'c', controls: ['single_use', 'code_expires'] }] });
    metrics.recordControl(controlRecord({ check: 'c', control: 'single_use' }));
    metrics.recordControl(controlRecord({ check: 'c', control: 'code_expires' }));

    metrics.setChecks([{ name: 'c', controls: ['code_expires'] }]);

    expect((await values(metrics, 'otp_canary_control_status')).map((sample) => sample.labels.control)).toEqual(['code_expires']);
  });

  it('puts neither the phone number nor the code into the exposition', async () => {
    const metrics = probeMetrics();
    metrics.recordRun(runRecord());
    metrics.recordRun(failedRun('code_rejected', { detail: `code ${maskCode(REAL_CODE)} refused for ${maskNumber(REAL_NUMBER)}` }));
    metrics.recordControl(controlRecord({ detail: `sent to ${maskNumber(REAL_NUMBER)}` }));

    const exposition = await metrics.render();

    expect(exposition).not.toContain(REAL_NUMBER.slice(1));
    expect(exposition).not.toContain(REAL_NUMBER.slice(4, 9));
    expect(exposition).not.toContain('0981');
    expect(exposition).not.toContain(REAL_CODE);
    expect(exposition).not.toContain(maskCode(REAL_CODE));
  });
});
