// What Prometheus's answers to the SLO queries (queries.ts) amount to: per check, the figures a release
// gate judges, in the core's CheckSummary shape so the gate, the outputs and the job summary are the
// ones the Action uses for its own runs. Pure: vectors in, summaries and a verdict out.
//
// increase() is an estimate: it extrapolates the counters to the window's edges, so its counts are not
// whole. The success ratio is computed from the unrounded figures, exactly as the recording rules do;
// the counts a summary shows (and the Wilson interval, which needs whole numbers) are rounded.

import { evaluateGate, type GateResult, type GateThresholds, type ThresholdResult, type ThresholdVerdict } from '../core/gate.js';
import { FAILURE_REASONS, type FailureReason } from '../core/outcome.js';
import type { Report } from '../core/report.js';
import { formatSeconds } from '../core/seconds.js';
import { wilsonInterval } from '../core/stats.js';
import { SUMMARY_CONFIDENCE, type ChecksSummary, type CheckSummary } from '../core/summary.js';
import type { SloQueryName } from './queries.js';

/** One element of an instant vector. Values are numbers, NaN and ±Infinity included. */
export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type SloVectors = Readonly<Record<SloQueryName, readonly VectorSample[]>>;

/** One bucket of the delivery histogram, not cumulative: deliveries with lower < seconds ≤ upper. */
export interface DeliveryBucket {
  readonly lower: number;
  /** Infinity for the last bucket. */
  readonly upper: number;
  readonly count: number;
}

export interface SloFigures {
  readonly summary: ChecksSummary;
  /** Runs that failed on otp-canary's own side (origin probe), per check: left out of every figure. */
  readonly probeFailures: Readonly<Record<string, number>>;
  /** The location labels the selected checks report from. */
  readonly locations: readonly string[];
  /** All selected checks pooled. */
  readonly deliveryBuckets: readonly DeliveryBucket[];
  /** Checks asked for by name that have no series in the window. */
  readonly missingChecks: readonly string[];
}

interface Totals {
  runs: number;
  probeFailures: number;
  targetFailures: number;
  degraded: number;
  deliveries: number;
  byReason: Map<FailureReason, number>;
}

const emptyTotals = (): Totals => ({ runs: 0, probeFailures: 0, targetFailures: 0, degraded: 0, deliveries: 0, byReason: new Map() });

/**
 * `selected` is the checks asked for by name (empty: every check with a runs series). A check exists in
 * the window when `runs` has a series for it: the probe pre-sets every counter, so a scraped check
 * always has one.
 */
export function sloFigures(vectors: SloVectors, selected: readonly string[] = []): SloFigures {
  const totals = new Map<string, Totals>();
  const pooled = emptyTotals();
  const locations = new Set<string>();
  const add = (samples: readonly VectorSample[], field: 'runs' | 'probeFailures' | 'targetFailures' | 'degraded') => {
    for (const sample of samples) {
      const check = sample.labels['check'];
      if (check === undefined || !Number.isFinite(sample.value)) continue;
      const entry = totals.get(check) ?? totals.set(check, emptyTotals()).get(check)!;
      entry[field] += sample.value;
      pooled[field] += sample.value;
      if (field === 'targetFailures') addReason(entry, sample);
    }
  };
  add(vectors.runs, 'runs');
  const present = new Set(totals.keys());
  for (const sample of vectors.runs) if (sample.labels['location'] !== undefined) locations.add(sample.labels['location']);
  add(vectors.probeFailures, 'probeFailures');
  add(vectors.targetFailures, 'targetFailures');
  add(vectors.degraded, 'degraded');
  for (const sample of vectors.deliveryBuckets) {
    const check = sample.labels['check'];
    if (sample.labels['le'] !== '+Inf' || check === undefined || !Number.isFinite(sample.value)) continue;
    (totals.get(check) ?? totals.set(check, emptyTotals()).get(check)!).deliveries += sample.value;
    pooled.deliveries += sample.value;
  }
  for (const entry of totals.values()) for (const [reason, count] of entry.byReason) pooled.byReason.set(reason, (pooled.byReason.get(reason) ?? 0) + count);

  const p50 = byCheck(vectors.deliveryP50);
  const p95 = byCheck(vectors.deliveryP95);
  const checks: Record<string, CheckSummary> = {};
  const probeFailures: Record<string, number> = {};
  for (const check of [...present].sort()) {
    const entry = totals.get(check)!;
    checks[check] = checkSummary(entry, p50.get(check), p95.get(check));
    probeFailures[check] = Math.round(entry.probeFailures);
  }
  return {
    summary: {
      checks,
      overall: checkSummary(pooled, finite(vectors.pooledDeliveryP50[0]?.value), finite(vectors.pooledDeliveryP95[0]?.value)),
    },
    probeFailures,
    locations: [...locations].sort(),
    deliveryBuckets: pooledBuckets(vectors.deliveryBuckets),
    missingChecks: selected.filter((check) => !present.has(check)),
  };
}

function addReason(entry: Totals, sample: VectorSample): void {
  const reason = sample.labels['reason'];
  if (reason === undefined || !Object.hasOwn(FAILURE_REASONS, reason)) return;
  entry.byReason.set(reason as FailureReason, (entry.byReason.get(reason as FailureReason) ?? 0) + sample.value);
}

function checkSummary(totals: Totals, deliveryP50?: number, deliveryP95?: number): CheckSummary {
  const targetRuns = Math.max(0, totals.runs - totals.probeFailures);
  const runs = Math.round(targetRuns);
  const failures = Math.min(runs, Math.round(totals.targetFailures));
  const successes = runs - failures;
  const interval = wilsonInterval(successes, runs, SUMMARY_CONFIDENCE);
  const failuresByReason: Partial<Record<FailureReason, number>> = {};
  for (const [reason, count] of totals.byReason) if (Math.round(count) > 0) failuresByReason[reason] = Math.round(count);
  const deliverySamples = Math.round(totals.deliveries);
  return {
    runs,
    successes,
    degraded: Math.min(successes, Math.round(totals.degraded)),
    failures,
    // `runs` are already the target's; the probe's own failures are counted beside (SloSummary.probeFailures).
    probeFailures: 0,
    // As the recording rules: 1 − target failures / target runs, unrounded.
    ...(targetRuns > 0 && { successRate: Math.min(1, Math.max(0, 1 - totals.targetFailures / targetRuns)) }),
    successRateInterval: { lower: interval.lower, upper: interval.upper, confidence: SUMMARY_CONFIDENCE },
    deliverySamples,
    ...(deliverySamples > 0 && deliveryP50 !== undefined && { deliveryP50Seconds: deliveryP50 }),
    ...(deliverySamples > 0 && deliveryP95 !== undefined && { deliveryP95Seconds: deliveryP95 }),
    failuresByReason,
    cancelled: 0,
  };
}

function byCheck(samples: readonly VectorSample[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of samples) {
    const value = finite(sample.value);
    if (sample.labels['check'] !== undefined && value !== undefined) values.set(sample.labels['check'], value);
  }
  return values;
}

/** histogram_quantile answers NaN when the window holds no observation. */
function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Cumulative `le` buckets of every check, summed and turned into per-bucket counts. */
function pooledBuckets(samples: readonly VectorSample[]): DeliveryBucket[] {
  const cumulative = new Map<number, number>();
  for (const sample of samples) {
    const le = sample.labels['le'];
    if (le === undefined || !Number.isFinite(sample.value)) continue;
    const upper = le === '+Inf' ? Infinity : Number(le);
    if (Number.isNaN(upper)) continue;
    cumulative.set(upper, (cumulative.get(upper) ?? 0) + sample.value);
  }
  const uppers = [...cumulative.keys()].sort((a, b) => a - b);
  return uppers.map((upper, index) => {
    const previous = index === 0 ? 0 : cumulative.get(uppers[index - 1]!)!;
    return { lower: index === 0 ? 0 : uppers[index - 1]!, upper, count: Math.max(0, cumulative.get(upper)! - previous) };
  });
}

export interface SloGateOptions {
  /** The window as given, for the reasons: "5m". */
  readonly window: string;
  /** Each check needs at least this many runs that exercised the target in the window. */
  readonly minRuns: number;
}

/**
 * The gate on Prometheus's figures: the core's evaluateGate for runs, success rate and degraded runs,
 * and the delivery p95 judged here, because a histogram estimate carries none of the nearest-rank
 * caveats evaluateGate notes. A check asked for by name with no series fails, and so does a window with
 * no check at all: no data is never a pass.
 */
export function evaluateSloGate(figures: SloFigures, thresholds: GateThresholds, options: SloGateOptions): GateResult {
  const { window, minRuns } = options;
  const noData = figures.missingChecks.map(
    (check) => `${check}: Prometheus has no otp_canary_runs_total series for this check over the last ${window} (is the name right, and is its probe scraped?)`,
  );
  if (Object.keys(figures.summary.checks).length === 0) {
    const reason = `Prometheus has no otp_canary_runs_total series over the last ${window}: no probe reports to it, or its scrape configuration lost the probe`;
    return { passed: false, thresholds: [], reasons: noData.length > 0 ? noData : [reason], notes: [] };
  }
  const { maxP95DeliverySeconds, ...others } = thresholds;
  const gate = evaluateGate(figures.summary, { ...others, minRuns });
  const p95 = maxP95DeliverySeconds === undefined ? undefined : judgeDeliveryP95(figures.summary, maxP95DeliverySeconds, window);
  const notes = Object.entries(figures.probeFailures)
    .filter(([, count]) => count > 0)
    .map(([check, count]) => `${check}: ${count} ${count === 1 ? 'run' : 'runs'} failed on otp-canary's own side (origin probe) and are left out, as the SLO rules do`);
  const reasons = [...noData, ...gate.reasons, ...(p95?.reasons ?? [])];
  return {
    passed: gate.passed && noData.length === 0 && (p95?.result.passed ?? true),
    thresholds: p95 === undefined ? gate.thresholds : [...gate.thresholds, p95.result],
    reasons,
    notes: [...gate.notes, ...notes],
  };
}

function judgeDeliveryP95(summary: ChecksSummary, max: number, window: string): { result: ThresholdResult; reasons: string[] } {
  const reasons: string[] = [];
  const perCheck: Record<string, ThresholdVerdict> = {};
  for (const [check, s] of Object.entries(summary.checks)) {
    const observed = s.deliveryP95Seconds;
    let miss: string | undefined;
    if (observed === undefined) miss = `no SMS was delivered in the last ${window}, so the delivery p95 cannot be estimated`;
    else if (observed > max) miss = `delivery p95 ${formatSeconds(observed)} (histogram estimate, n=${s.deliverySamples}) is above ${max} s`;
    if (miss !== undefined) reasons.push(`${check}: ${miss}`);
    perCheck[check] = { ...(observed !== undefined && { observed }), passed: miss === undefined };
  }
  const observed = summary.overall.deliveryP95Seconds;
  const passed = Object.values(perCheck).every((verdict) => verdict.passed);
  return { result: { name: 'maxP95DeliverySeconds', threshold: max, ...(observed !== undefined && { observed }), passed, perCheck }, reasons };
}

export interface SloReportInput {
  readonly figures: SloFigures;
  readonly gate: GateResult;
  /** The instant the queries were evaluated at (ms since the epoch). */
  readonly evaluatedAtMs: number;
  readonly windowMs: number;
  readonly version: string;
}

/** The report's shape for figures read from Prometheus: no run records, the window as its span. */
export function sloReport(input: SloReportInput): Report {
  const { figures, evaluatedAtMs, windowMs } = input;
  return {
    schemaVersion: 1,
    version: input.version,
    location: figures.locations.length === 0 ? 'unknown' : figures.locations.join(', '),
    startedAt: new Date(evaluatedAtMs - windowMs).toISOString(),
    finishedAt: new Date(evaluatedAtMs).toISOString(),
    durationMs: windowMs,
    checks: Object.entries(figures.summary.checks).map(([name, summary]) => ({ name, summary, runs: [] })),
    overall: figures.summary.overall,
    gate: input.gate,
  };
}
