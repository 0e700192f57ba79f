// What a set of runs of one check amounts to: the figures a release gate judges and a report shows.

import { FAILURE_REASONS, type FailureReason } from './outcome.js';
import { nearestRankPercentile, wilsonInterval } from './stats.js';
import type { RunRecord } from './types.js';

/** Confidence of every interval in summaries and reports. */
export const SUMMARY_CONFIDENCE = 0.95;

export interface CheckSummary {
  /** Runs that finished; cancelled runs are counted apart and excluded from every other figure. */
  readonly runs: number;
  /** Runs whose user got in: `success` plus `degraded` (slow, but the code worked). */
  readonly successes: number;
  readonly degraded: number;
  readonly failures: number;
  /**
   * Failed runs whose origin is `probe` (inbox_error, internal_error, number_contention): otp-canary's
   * own failures say nothing of the target, so they are left out of the success rate, as in the SLO.
   */
  readonly probeFailures: number;
  /** successes / (runs − probeFailures): the runs that exercised the target; absent when none did. */
  readonly successRate?: number | undefined;
  readonly successRateInterval: { readonly lower: number; readonly upper: number; readonly confidence: number };
  /** How many runs had an SMS arrive: the N behind the delivery percentiles. */
  readonly deliverySamples: number;
  readonly deliveryP50Seconds?: number | undefined;
  readonly deliveryP95Seconds?: number | undefined;
  readonly deliveryMaxSeconds?: number | undefined;
  /** Only the reasons that occurred, each with its count. */
  readonly failuresByReason: Readonly<Partial<Record<FailureReason, number>>>;
  readonly cancelled: number;
}

/**
 * Summarises the runs of one check. Delivery percentiles include failed runs whose SMS did arrive
 * (sms_late, code_rejected, …): dropping them would hide exactly the slow tail a gate exists to see.
 */
export function summarizeRuns(runs: readonly RunRecord[]): CheckSummary {
  const finished = runs.filter((run) => run.cancelled !== true);
  let successes = 0;
  let degraded = 0;
  let probeFailures = 0;
  const failuresByReason: Partial<Record<FailureReason, number>> = {};
  for (const run of finished) {
    if (run.outcome === 'failure') {
      if (run.reason === undefined) {
        throw new Error(`run ${run.id} of check ${run.check} has outcome failure but no reason`);
      }
      failuresByReason[run.reason] = (failuresByReason[run.reason] ?? 0) + 1;
      if (FAILURE_REASONS[run.reason].origin === 'probe') probeFailures += 1;
      continue;
    }
    successes += 1;
    if (run.outcome === 'degraded') degraded += 1;
  }
  const deliveries = finished.flatMap((run) => (run.deliverySeconds === undefined ? [] : [run.deliverySeconds]));
  const targetRuns = finished.length - probeFailures;
  const interval = wilsonInterval(successes, targetRuns, SUMMARY_CONFIDENCE);
  return {
    runs: finished.length,
    successes,
    degraded,
    failures: finished.length - successes,
    probeFailures,
    successRate: targetRuns > 0 ? successes / targetRuns : undefined,
    successRateInterval: { lower: interval.lower, upper: interval.upper, confidence: SUMMARY_CONFIDENCE },
    deliverySamples: deliveries.length,
    deliveryP50Seconds: nearestRankPercentile(deliveries, 50),
    deliveryP95Seconds: nearestRankPercentile(deliveries, 95),
    deliveryMaxSeconds: nearestRankPercentile(deliveries, 100),
    failuresByReason,
    cancelled: runs.length - finished.length,
  };
}

export interface ChecksSummary {
  readonly checks: Readonly<Record<string, CheckSummary>>;
  /** All checks' runs pooled: the figures for the gate as a whole. */
  readonly overall: CheckSummary;
}

/** Summarises each check and all of them pooled (pooled percentiles need the raw runs, not the summaries). */
export function summarizeChecks(checks: readonly { readonly name: string; readonly runs: readonly RunRecord[] }[]): ChecksSummary {
  const byName: Record<string, CheckSummary> = {};
  for (const check of checks) {
    if (Object.hasOwn(byName, check.name)) throw new Error(`check name "${check.name}" appears more than once`);
    byName[check.name] = summarizeRuns(check.runs);
  }
  return { checks: byName, overall: summarizeRuns(checks.flatMap((check) => check.runs)) };
}
