// The release gate's verdict. Each threshold is judged per check on the observed figure (the point
// estimate): a gate that needs 73 flawless runs before it can pass 0.95 would either cost a fortune in
// SMS or be switched off. The Wilson interval is reported beside it, and a note says whenever N is too
// small for the data to support the threshold. A gate cut short before its runs ended is incomplete:
// it never passes, whatever the runs that finished show. Reasons: docs/statistics.md.

import { FAILURE_REASONS, type FailureReason } from './outcome.js';
import type { SequentialSnapshot } from './sequential.js';
import { requiredConsecutiveSuccesses } from './stats.js';
import type { ChecksSummary, CheckSummary } from './summary.js';

export interface GateThresholds {
  /** Every check's success rate (success + degraded over the finished runs that exercised the target) must reach it. */
  readonly minSuccessRate?: number | undefined;
  /** Every check's nearest-rank p95 delivery latency must be at or below it. */
  readonly maxP95DeliverySeconds?: number | undefined;
  /** When true, a single degraded run fails its check. */
  readonly failOnDegraded?: boolean;
  /** Every check needs at least this many finished runs. */
  readonly minRuns?: number;
}

/** The process signals that cut a gate short (rather than kill it): a CI runner's cancel, Ctrl-C. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** A gate cut short (a signal, a caller's abort) before every run it set out to do had ended. */
export interface Incomplete {
  /** Why: the abort reason's message, e.g. `interrupted by SIGTERM`. */
  readonly reason: string;
  /** The process signal that cut it short, when one did. */
  readonly signal?: InterruptSignal;
  /** Runs that ended on their own, all checks together; the runs cut off are counted as cancelled. */
  readonly finished: number;
  /** Runs the gate set out to do: samples × checks (in sequential mode, the cap). */
  readonly planned: number;
}

export type ThresholdName = 'minRuns' | 'minSuccessRate' | 'maxP95DeliverySeconds' | 'failOnDegraded';

export interface ThresholdVerdict {
  /** Absent when nothing could be measured (no finished run, no SMS delivered). */
  readonly observed?: number | undefined;
  readonly passed: boolean;
}

export interface ThresholdResult extends ThresholdVerdict {
  readonly name: ThresholdName;
  readonly threshold: number | boolean;
  /** The figure over all checks pooled, for display; the verdict is the per-check one. */
  readonly observed?: number | undefined;
  /** True when every check passed. */
  readonly passed: boolean;
  readonly perCheck: Readonly<Record<string, ThresholdVerdict>>;
}

export interface GateResult {
  /** False when a threshold was missed, and when the gate was incomplete. */
  readonly passed: boolean;
  readonly thresholds: readonly ThresholdResult[];
  /** One line per miss, e.g. `signup-us: success rate 0.85 (17/20) is below 0.95`. */
  readonly reasons: readonly string[];
  /** What the verdict cannot show, e.g. a pass on too few runs to support the threshold. */
  readonly notes: readonly string[];
}

/** With fewer deliveries than this, the nearest-rank p95 is the slowest one: ⌈0.95 · N⌉ = N for N ≤ 19. */
const P95_DISTINCT_FROM_MAX = 20;

/**
 * Judges the summaries against the thresholds. `sequential` holds, per check, a sequential test run
 * against `minSuccessRate`: a decided test replaces the point-estimate rule for that check's success rate.
 * An `incomplete` gate fails with that as its first reason; its thresholds are still judged on the runs
 * that finished, to show how far it had got.
 */
export function evaluateGate(
  summary: ChecksSummary,
  thresholds: GateThresholds,
  sequential: Readonly<Record<string, SequentialSnapshot>> = {},
  incomplete?: Incomplete,
): GateResult {
  validateThresholds(thresholds, summary, sequential);
  const names = Object.keys(summary.checks);
  const results: ThresholdResult[] = [];
  const reasons: string[] = incomplete === undefined ? [] : [describeIncomplete(incomplete)];
  const notes: string[] = [];

  const judge = (
    name: ThresholdName,
    threshold: number | boolean,
    observe: (s: CheckSummary) => number | undefined,
    check: (observed: number | undefined, checkName: string, s: CheckSummary) => string | undefined,
  ) => {
    const perCheck: Record<string, ThresholdVerdict> = {};
    for (const checkName of names) {
      const checkSummary = summary.checks[checkName]!;
      const observed = observe(checkSummary);
      const miss = check(observed, checkName, checkSummary);
      if (miss !== undefined) reasons.push(`${checkName}: ${miss}`);
      perCheck[checkName] = { observed, passed: miss === undefined };
    }
    const passed = names.length > 0 && Object.values(perCheck).every((verdict) => verdict.passed);
    results.push({ name, threshold, observed: observe(summary.overall), passed, perCheck });
  };

  const { minRuns, minSuccessRate, maxP95DeliverySeconds, failOnDegraded } = thresholds;
  if (minRuns !== undefined) {
    judge('minRuns', minRuns, (s) => s.runs, (runs = 0) => (runs >= minRuns ? undefined : `${runs} finished runs, fewer than the ${minRuns} required`));
  }
  if (minSuccessRate !== undefined) {
    judge('minSuccessRate', minSuccessRate, (s) => s.successRate, (rate, checkName, s) => {
      const test = sequential[checkName];
      if (test !== undefined && test.decision !== 'continue') {
        notes.push(`${checkName}: ${describeSequential(test)}`);
        if (test.decision === 'fail') return `success rate ${formatRate(s)} failed the sequential test against ${minSuccessRate}`;
        return undefined;
      }
      if (test !== undefined) notes.push(`${checkName}: the sequential test was undecided after ${test.samples} runs; judged on the observed rate`);
      if (s.probeFailures > 0) notes.push(`${checkName}: ${describeProbeFailures(s)}`);
      if (rate === undefined) {
        return s.probeFailures > 0 ? 'no run exercised the target, so the success rate cannot be measured' : 'no finished runs, so the success rate cannot be measured';
      }
      if (rate < minSuccessRate) return `success rate ${formatRate(s, minSuccessRate)} is below ${minSuccessRate}`;
      const note = smallSampleNote(s, minSuccessRate);
      if (note !== undefined) notes.push(`${checkName}: ${note}`);
      return undefined;
    });
  }
  if (maxP95DeliverySeconds !== undefined) {
    judge('maxP95DeliverySeconds', maxP95DeliverySeconds, (s) => s.deliveryP95Seconds, (p95, checkName, s) => {
      if (s.deliverySamples > 0 && s.deliverySamples < P95_DISTINCT_FROM_MAX) {
        notes.push(
          `${checkName}: with ${s.deliverySamples} ${s.deliverySamples === 1 ? 'delivery' : 'deliveries'} the nearest-rank p95 is the slowest one; ` +
            `${P95_DISTINCT_FROM_MAX} are needed for it to differ from the maximum`,
        );
      }
      if (p95 === undefined) return 'no SMS was delivered, so the delivery p95 cannot be measured';
      if (p95 <= maxP95DeliverySeconds) return undefined;
      return `delivery p95 ${formatAgainst(p95, maxP95DeliverySeconds, 1)} s (n=${s.deliverySamples}) is above ${maxP95DeliverySeconds} s`;
    });
  }
  if (failOnDegraded === true) {
    judge('failOnDegraded', true, (s) => s.degraded, (degraded = 0, _name, s) =>
      degraded === 0 ? undefined : `${degraded} of ${s.runs} runs were degraded (slower than degradedAfter) and failOnDegraded is set`,
    );
  }
  if (names.length === 0 && results.length > 0) reasons.push('no checks ran');
  return { passed: incomplete === undefined && results.every((result) => result.passed), thresholds: results, reasons, notes };
}

/** `interrupted by SIGTERM after 10 of 150 runs`: the one wording every face shows. */
export function describeIncomplete({ reason, finished, planned }: Incomplete): string {
  return `${reason} after ${finished} of ${planned} runs`;
}

function validateThresholds(
  thresholds: GateThresholds,
  summary: ChecksSummary,
  sequential: Readonly<Record<string, SequentialSnapshot>>,
): void {
  const { minRuns, minSuccessRate, maxP95DeliverySeconds } = thresholds;
  if (minSuccessRate !== undefined && !(minSuccessRate > 0 && minSuccessRate <= 1)) {
    throw new RangeError(`gate.minSuccessRate must be in (0, 1], got ${minSuccessRate}`);
  }
  if (maxP95DeliverySeconds !== undefined && !(maxP95DeliverySeconds > 0 && Number.isFinite(maxP95DeliverySeconds))) {
    throw new RangeError(`gate.maxP95DeliverySeconds must be a positive number of seconds, got ${maxP95DeliverySeconds}`);
  }
  if (minRuns !== undefined && !(Number.isInteger(minRuns) && minRuns >= 1)) {
    throw new RangeError(`gate.minRuns must be a positive integer, got ${minRuns}`);
  }
  for (const [checkName, test] of Object.entries(sequential)) {
    if (!Object.hasOwn(summary.checks, checkName)) throw new Error(`sequential result for unknown check "${checkName}"`);
    if (test.design.minSuccessRate !== minSuccessRate) {
      throw new Error(
        `sequential result for check "${checkName}" tests minSuccessRate ${test.design.minSuccessRate}, ` +
          `but gate.minSuccessRate is ${minSuccessRate ?? 'not set'}`,
      );
    }
  }
}

/** `17 of 20 succeeded, the 95% lower bound is 0.84; 73 consecutive successes are needed to show ≥ 0.95`. */
function smallSampleNote(s: CheckSummary, minSuccessRate: number): string | undefined {
  const { lower, confidence } = s.successRateInterval;
  if (lower >= minSuccessRate) return undefined;
  const bound = `${s.successes} of ${targetRuns(s)} succeeded: the ${percent(confidence)} lower bound is ${formatAgainst(lower, minSuccessRate, 2)}`;
  if (minSuccessRate === 1) return `${bound}; no number of runs can show a rate of 1`;
  return `${bound}; ${requiredConsecutiveSuccesses(minSuccessRate, confidence)} consecutive successes are needed to show ≥ ${minSuccessRate}`;
}

function describeSequential(test: SequentialSnapshot): string {
  const { decision, decidedBy, samples, successes, logLikelihoodRatio, design } = test;
  const exact = `exact error rates ${design.atP0.pass.toFixed(4)} ≤ α ${design.alpha}, ${design.atP1.fail.toFixed(4)} ≤ β ${design.beta}`;
  if (decidedBy === 'max_samples') {
    return `the sequential test reached maxSamples (${design.maxSamples}) undecided; "${decision}" on ${successes} successes against the cut-off ${design.capMinSuccesses} (${exact})`;
  }
  const bound = decision === 'pass' ? `≥ ${design.upperBound.toFixed(2)}` : `≤ ${design.lowerBound.toFixed(2)}`;
  return `the sequential test decided "${decision}" after ${samples} runs (log-likelihood ratio ${logLikelihoodRatio.toFixed(2)} ${bound}; ${exact})`;
}

function formatRate(s: CheckSummary, against?: number): string {
  const rate = s.successRate ?? 0;
  return `${against === undefined ? rate.toFixed(2) : formatAgainst(rate, against, 2)} (${s.successes}/${targetRuns(s)})`;
}

/** The runs behind the success rate: those that exercised the target. */
function targetRuns(s: CheckSummary): number {
  return s.runs - s.probeFailures;
}

/** Why some failures are not in the rate: `2 runs failed for otp-canary's own reasons (inbox_error ×1, number_contention ×1): …`. */
function describeProbeFailures(s: CheckSummary): string {
  const reasons = Object.entries(s.failuresByReason)
    .filter(([reason]) => FAILURE_REASONS[reason as FailureReason].origin === 'probe')
    .map(([reason, count]) => `${reason} ×${count}`)
    .join(', ');
  const runs = s.probeFailures === 1 ? '1 run' : `${s.probeFailures} runs`;
  return `${runs} failed for otp-canary's own reasons (${reasons}), not the target's: left out of the success rate`;
}

/** Enough decimals that a value never prints equal to the threshold it missed (0.9496 is not "0.95"). */
function formatAgainst(value: number, threshold: number, minDecimals: number): string {
  for (let decimals = minDecimals; decimals <= 6; decimals += 1) {
    if (value.toFixed(decimals) !== threshold.toFixed(decimals)) return value.toFixed(decimals);
  }
  return String(value);
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
