// The probe's short memory: the latest runs per check and overall, bounded so a long-running probe
// never grows, for /api/runs and the status page. Prometheus holds the long history.

import type { ControlName, FailureReason, Outcome } from '../core/outcome.js';
import { nearestRankPercentile } from '../core/stats.js';
import type { ControlRecord, RunRecord } from '../core/types.js';

/** Wall-clock end of a run, in epoch milliseconds: its start plus the whole journey. */
export function runEndMs(record: RunRecord): number {
  return Date.parse(record.startedAt) + record.timings.totalMs;
}

export interface RecentRunsOptions {
  /** Runs kept per check (default 50). */
  readonly perCheck?: number;
  /** Runs kept across all checks (default 200). */
  readonly overall?: number;
}

export interface CheckSummary {
  readonly check: string;
  /** Runs the summary is over (at most `perCheck`). */
  readonly runs: number;
  /** Successful runs (degraded included) / runs that exercised the target (origin `probe` failures left out); undefined before one did. */
  readonly successRate?: number | undefined;
  readonly lastOutcome?: Outcome;
  /** Seconds since the last run finished. */
  readonly lastAgeSeconds?: number;
  /** Nearest-rank percentiles of delivery latency over the recent runs whose SMS arrived. */
  readonly deliveryP50Seconds?: number | undefined;
  readonly deliveryP95Seconds?: number | undefined;
  /** Failures among the recent runs, by reason; reasons that did not occur are absent. */
  readonly failuresByReason: Partial<Record<FailureReason, number>>;
}

/** A bounded list, newest first. */
class Ring<T> {
  private readonly items: T[] = [];
  constructor(private readonly capacity: number) {}
  push(item: T): void {
    this.items.unshift(item);
    if (this.items.length > this.capacity) this.items.length = this.capacity;
  }
  list(limit = this.capacity): readonly T[] {
    return this.items.slice(0, limit);
  }
}

export class RecentRuns {
  private readonly perCheck: number;
  private readonly all: Ring<RunRecord>;
  private readonly byCheck = new Map<string, Ring<RunRecord>>();
  private readonly controlsByCheck = new Map<string, Map<ControlName, ControlRecord>>();

  constructor(options: RecentRunsOptions = {}) {
    this.perCheck = positiveInteger(options.perCheck ?? 50, 'perCheck');
    this.all = new Ring(positiveInteger(options.overall ?? 200, 'overall'));
  }

  addRun(record: RunRecord): void {
    this.all.push(record);
    let ring = this.byCheck.get(record.check);
    if (ring === undefined) this.byCheck.set(record.check, (ring = new Ring(this.perCheck)));
    ring.push(record);
  }

  /** Keeps the latest result of each control per check. */
  addControl(record: ControlRecord): void {
    let controls = this.controlsByCheck.get(record.check);
    if (controls === undefined) this.controlsByCheck.set(record.check, (controls = new Map<ControlName, ControlRecord>()));
    controls.set(record.control, record);
  }

  /** Newest first; across all checks unless `check` is given. */
  runs(options: { check?: string; limit?: number } = {}): readonly RunRecord[] {
    const ring = options.check === undefined ? this.all : this.byCheck.get(options.check);
    return ring?.list(options.limit) ?? [];
  }

  /** The latest result of each control the check has run, in the order they first ran. */
  controls(check: string): readonly ControlRecord[] {
    return [...(this.controlsByCheck.get(check)?.values() ?? [])];
  }

  /** Forgets checks no longer configured (config reload). */
  retainChecks(checks: Iterable<string>): void {
    const keep = new Set(checks);
    for (const map of [this.byCheck, this.controlsByCheck]) {
      for (const check of map.keys()) if (!keep.has(check)) map.delete(check);
    }
  }

  summary(check: string, nowMs: number): CheckSummary {
    const runs = this.runs({ check });
    const last = runs[0];
    const failuresByReason: Partial<Record<FailureReason, number>> = {};
    for (const run of runs) {
      if (run.outcome === 'failure' && run.reason !== undefined) failuresByReason[run.reason] = (failuresByReason[run.reason] ?? 0) + 1;
    }
    if (last === undefined) return { check, runs: 0, failuresByReason };
    const succeeded = runs.filter((run) => run.outcome !== 'failure').length;
    // As in the SLO: runs that failed for otp-canary's own reasons say nothing of the target.
    const targetRuns = runs.filter((run) => run.origin !== 'probe').length;
    const deliveries = runs.flatMap((run) => (run.deliverySeconds === undefined ? [] : [run.deliverySeconds]));
    return {
      check,
      runs: runs.length,
      ...(targetRuns > 0 && { successRate: succeeded / targetRuns }),
      lastOutcome: last.outcome,
      lastAgeSeconds: Math.max(0, (nowMs - runEndMs(last)) / 1000),
      deliveryP50Seconds: nearestRankPercentile(deliveries, 50),
      deliveryP95Seconds: nearestRankPercentile(deliveries, 95),
      failuresByReason,
    };
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`RecentRuns ${name}: expected a positive integer, got ${value}`);
  return value;
}
