// The probe's Prometheus metrics. Our own registry (linted with `promtool check metrics`) is kept apart
// from Node's default process metrics, whose `nodejs_active_*_total` gauges fail that lint; /metrics
// serves both. Every label value comes from a check name, the configured location or a bounded enum:
// never from a phone number, a code or free text. docs/metrics.md is the user-facing contract.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CONTROLS, FAILURE_REASONS, FAILURE_REASON_NAMES, WARNINGS, type ControlName, type ControlStatus, type FailureReason } from '../core/outcome.js';
import type { ControlRecord, RunRecord } from '../core/types.js';
import { AUTH_ENDPOINTS, type AuthEndpoint } from './auth-failures.js';
import { runEndMs } from './recent-runs.js';

/** Seconds from send accepted to SMS in the inbox (and whole journeys): 1 s up to a 10-minute OTP validity,
 * with boundaries at the usual SLO thresholds (10 s, 30 s, 60 s, 300 s) so "fraction within X" is exact. */
export const SMS_BUCKETS = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600] as const;
/** One HTTP request (trigger, verify): 10 ms on loopback up to a 30 s step timeout. */
export const HTTP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export const SKIP_REASONS = ['overlap', 'number_busy', 'held'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The labels of every per-run series: one series per check and probe location. */
const RUN_LABELS = ['check', 'location'] as const;
const STEPS = ['trigger', 'verify'] as const;

const CONTROL_STATUS_VALUE: Record<ControlStatus, number> = { passed: 1, violated: 0, inconclusive: -1 };

export interface ProbeCheckLabels {
  readonly name: string;
  /** The controls the check asserts; on reload, series of controls no longer listed are removed. */
  readonly controls?: readonly ControlName[];
}

export interface ProbeMetricsOptions {
  readonly version: string;
  /** The `location` label of every per-run series, whatever a record says: one probe, one location. */
  readonly location: string;
  readonly checks: readonly ProbeCheckLabels[];
}

export interface ProbeMetrics {
  /** otp_canary_* only: what `promtool check metrics` lints. */
  readonly registry: Registry;
  /** Node's standard process_* and nodejs_* metrics, unprefixed so stock dashboards work. */
  readonly defaultRegistry: Registry;
  /** The Content-Type of `render()` (Prometheus text format 0.0.4). */
  readonly contentType: string;
  recordRun(record: RunRecord): void;
  recordSkip(check: string, reason: SkipReason): void;
  recordControl(record: ControlRecord): void;
  /** A request to an acting endpoint refused for want of the probe's token. */
  recordAuthFailure(endpoint: AuthEndpoint): void;
  /** Config reload: pre-initialises new checks and removes every series of checks no longer configured. */
  setChecks(checks: readonly ProbeCheckLabels[]): void;
  /** The /metrics body: our metrics followed by the default ones. */
  render(): Promise<string>;
  /** Our metrics only. */
  renderOwn(): Promise<string>;
}

/**
 * The `stage` label of a reason. Fixed per reason so that each (check, reason) pair is one series for
 * its whole life and `rate()` never sees it split: `any` reasons (inbox_error, internal_error) keep
 * `any`, whatever stage the run was in; the run record and the log line carry the actual stage.
 */
export function failureStageLabel(reason: FailureReason): string {
  return FAILURE_REASONS[reason].stage;
}

export function createProbeMetrics(options: ProbeMetricsOptions): ProbeMetrics {
  const { location } = options;
  const registry = new Registry();
  const defaultRegistry = new Registry();
  collectDefaultMetrics({ register: defaultRegistry });
  const registers = [registry];

  const runs = new Counter({
    name: 'otp_canary_runs_total',
    help: 'Verification runs finished, whatever their outcome (cancelled runs included).',
    labelNames: RUN_LABELS,
    registers,
  });
  const failures = new Counter({
    name: 'otp_canary_failures_total',
    help: 'Failed verification runs by reason; every reason is pre-set to 0. origin="probe" failures are otp-canary\'s own.',
    labelNames: [...RUN_LABELS, 'stage', 'reason', 'origin'] as const,
    registers,
  });
  const degraded = new Counter({
    name: 'otp_canary_degraded_total',
    help: 'Verification runs that succeeded but took longer than the check\'s degradedAfter.',
    labelNames: RUN_LABELS,
    registers,
  });
  const success = new Gauge({
    name: 'otp_canary_success',
    help: 'Whether the last run succeeded (1, degraded included) or failed (0).',
    labelNames: RUN_LABELS,
    registers,
  });
  const delivery = new Histogram({
    name: 'otp_canary_delivery_seconds',
    help: 'SMS delivery latency in seconds: send accepted to SMS received at the inbox.',
    labelNames: RUN_LABELS,
    buckets: [...SMS_BUCKETS],
    registers,
  });
  const duration = new Histogram({
    name: 'otp_canary_duration_seconds',
    help: 'Whole verification journey in seconds, trigger to verify answer, for every run.',
    labelNames: RUN_LABELS,
    buckets: [...SMS_BUCKETS],
    registers,
  });
  const stepDuration = new Histogram({
    name: 'otp_canary_step_duration_seconds',
    help: 'Duration in seconds of the HTTP steps of a run: trigger (send request) and verify (code submission).',
    labelNames: [...RUN_LABELS, 'step'] as const,
    buckets: [...HTTP_BUCKETS],
    registers,
  });
  const lastRun = new Gauge({
    name: 'otp_canary_last_run_timestamp_seconds',
    help: 'Unix time in seconds at which the last run finished.',
    labelNames: RUN_LABELS,
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'otp_canary_last_success_timestamp_seconds',
    help: 'Unix time in seconds at which the last successful (or degraded) run finished.',
    labelNames: RUN_LABELS,
    registers,
  });
  const warned = new Counter({
    name: 'otp_canary_warnings_total',
    help: 'Finished runs that carried a warning, by warning (late_sms_awaited, code_retried, foreign_sms, stale_messages_ignored…); every warning is pre-set to 0.',
    labelNames: [...RUN_LABELS, 'warning'] as const,
    registers,
  });
  const skipped = new Counter({
    name: 'otp_canary_skipped_runs_total',
    help: 'Scheduled runs not started: overlap (the previous run was still going), number_busy (another run held the number) or held (a release gate held the number).',
    labelNames: ['check', 'reason'] as const,
    registers,
  });
  const controlStatus = new Gauge({
    name: 'otp_canary_control_status',
    help: 'Last result of an anti-abuse control: 1 passed, 0 violated, -1 inconclusive.',
    labelNames: ['check', 'control'] as const,
    registers,
  });
  const info = new Gauge({
    name: 'otp_canary_info',
    help: 'Always 1; the version label says which otp-canary is running.',
    labelNames: ['version'] as const,
    registers,
  });
  info.set({ version: options.version }, 1);
  const authFailures = new Counter({
    name: 'otp_canary_probe_auth_failures_total',
    help: 'Requests to the probe\'s acting endpoints (run: a manual run; holds: the hold API) refused with 401 for want of a valid bearer token.',
    labelNames: ['endpoint'] as const,
    registers,
  });
  for (const endpoint of AUTH_ENDPOINTS) authFailures.inc({ endpoint }, 0);

  const known = new Map<string, ProbeCheckLabels>();

  function initialise(check: string): void {
    const labels = { check, location };
    runs.inc(labels, 0);
    degraded.inc(labels, 0);
    for (const reason of FAILURE_REASON_NAMES) failures.inc(failureLabels(check, reason), 0);
    delivery.zero(labels);
    duration.zero(labels);
    for (const step of STEPS) stepDuration.zero({ ...labels, step });
    for (const reason of SKIP_REASONS) skipped.inc({ check, reason }, 0);
    for (const warning of WARNINGS) warned.inc({ ...labels, warning }, 0);
    // success, the timestamps and control statuses stay absent until something happens: a 0 would
    // claim a failed run or a violated control that never took place.
  }

  function remove(check: string): void {
    const labels = { check, location };
    for (const metric of [runs, degraded, success, delivery, duration, lastRun, lastSuccess]) metric.remove(labels);
    for (const reason of FAILURE_REASON_NAMES) failures.remove(failureLabels(check, reason));
    for (const step of STEPS) stepDuration.remove({ ...labels, step });
    for (const reason of SKIP_REASONS) skipped.remove({ check, reason });
    for (const warning of WARNINGS) warned.remove({ ...labels, warning });
    for (const control of CONTROLS) controlStatus.remove({ check, control });
  }

  function failureLabels(check: string, reason: FailureReason) {
    return { check, location, stage: failureStageLabel(reason), reason, origin: FAILURE_REASONS[reason].origin };
  }

  /** A record for a check the config does not (or no longer) list still gets complete, pre-set series. */
  function ensure(check: string): void {
    if (known.has(check)) return;
    known.set(check, { name: check });
    initialise(check);
  }

  function setChecks(checks: readonly ProbeCheckLabels[]): void {
    const next = new Map(checks.map((check) => [check.name, check]));
    for (const [name, previous] of known) {
      const current = next.get(name);
      if (current === undefined) remove(name);
      else if (previous.controls !== undefined && current.controls !== undefined) {
        for (const control of previous.controls) {
          if (!current.controls.includes(control)) controlStatus.remove({ check: name, control });
        }
      }
    }
    for (const name of next.keys()) if (!known.has(name)) initialise(name);
    known.clear();
    for (const [name, check] of next) known.set(name, check);
  }

  function recordRun(record: RunRecord): void {
    ensure(record.check);
    const labels = { check: record.check, location };
    const endSeconds = runEndMs(record) / 1000;
    runs.inc(labels);
    duration.observe(labels, record.timings.totalMs / 1000);
    if (record.deliverySeconds !== undefined) delivery.observe(labels, record.deliverySeconds);
    if (record.timings.triggerMs !== undefined) stepDuration.observe({ ...labels, step: 'trigger' }, record.timings.triggerMs / 1000);
    if (record.timings.verifyMs !== undefined) stepDuration.observe({ ...labels, step: 'verify' }, record.timings.verifyMs / 1000);
    lastRun.set(labels, endSeconds);
    for (const warning of new Set(record.warnings)) warned.inc({ ...labels, warning });
    if (record.outcome === 'failure') {
      // RunRecord promises a reason on every failure; one without is our own bug, and still counts once.
      failures.inc(failureLabels(record.check, record.reason ?? 'internal_error'));
      success.set(labels, 0);
      return;
    }
    if (record.outcome === 'degraded') degraded.inc(labels);
    success.set(labels, 1);
    lastSuccess.set(labels, endSeconds);
  }

  function recordSkip(check: string, reason: SkipReason): void {
    ensure(check);
    skipped.inc({ check, reason });
  }

  function recordControl(record: ControlRecord): void {
    ensure(record.check);
    controlStatus.set({ check: record.check, control: record.control }, CONTROL_STATUS_VALUE[record.status]);
  }

  setChecks(options.checks);

  return {
    registry,
    defaultRegistry,
    contentType: registry.contentType,
    recordRun,
    recordSkip,
    recordControl,
    recordAuthFailure: (endpoint) => authFailures.inc({ endpoint }),
    setChecks,
    render: async () => (await registry.metrics()) + (await defaultRegistry.metrics()),
    renderOwn: () => registry.metrics(),
  };
}
