// The JSON report of one gate run: every run as recorded, each check's summary, the verdict. It is
// written to disk and uploaded as an artifact, so its shape is a contract (docs/report.md) and every
// run is masked once more on the way out.

import type { GateResult, Incomplete } from './gate.js';
import { maskCode, maskNumber } from './mask.js';
import type { SequentialSnapshot } from './sequential.js';
import { summarizeChecks, type CheckSummary } from './summary.js';
import type { RunRecord } from './types.js';

export interface CheckReport {
  readonly name: string;
  readonly summary: CheckSummary;
  readonly runs: readonly RunRecord[];
}

export interface Report {
  /** Bumped on any change that could break a reader. */
  readonly schemaVersion: 1;
  /** otp-canary's version. */
  readonly version: string;
  readonly location: string;
  /** ISO 8601 wall-clock times of the whole gate run. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckReport[];
  /** All checks' runs pooled. */
  readonly overall: CheckSummary;
  /** Absent when no thresholds were set: the run was a measurement, not a gate. */
  readonly gate?: GateResult;
  /** Per check, the sequential test's final state, when the gate ran in sequential mode. */
  readonly sequential?: Readonly<Record<string, SequentialSnapshot>>;
  /** Present when the gate was cut short: the report holds the runs that ended and those cancelled. */
  readonly incomplete?: Incomplete;
}

export interface ReportInput {
  readonly checks: readonly { readonly name: string; readonly runs: readonly RunRecord[] }[];
  readonly gate?: GateResult;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly location: string;
  readonly version: string;
  readonly sequential?: Readonly<Record<string, SequentialSnapshot>>;
  readonly incomplete?: Incomplete;
}

/** What a report amounts to. An incomplete one never passes, with thresholds or without. */
export type Verdict = 'passed' | 'failed' | 'incomplete' | 'measured';

export function verdictOf(report: Pick<Report, 'gate' | 'incomplete'>): Verdict {
  if (report.incomplete !== undefined) return 'incomplete';
  if (report.gate === undefined) return 'measured';
  return report.gate.passed ? 'passed' : 'failed';
}

export function buildReport(input: ReportInput): Report {
  const started = parseTimestamp('startedAt', input.startedAt);
  const finished = parseTimestamp('finishedAt', input.finishedAt);
  if (finished < started) {
    throw new RangeError(`report finishedAt (${input.finishedAt}) is before startedAt (${input.startedAt})`);
  }
  const summaries = summarizeChecks(input.checks);
  return {
    schemaVersion: 1,
    version: input.version,
    location: input.location,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: finished - started,
    checks: input.checks.map((check) => ({
      name: check.name,
      summary: summaries.checks[check.name]!,
      runs: check.runs.map(maskRun),
    })),
    overall: summaries.overall,
    ...(input.gate !== undefined && { gate: input.gate }),
    ...(input.sequential !== undefined && { sequential: input.sequential }),
    ...(input.incomplete !== undefined && { incomplete: input.incomplete }),
  };
}

/** Runs arrive masked; masking is idempotent, so doing it again costs nothing and guards the artifact. */
function maskRun(run: RunRecord): RunRecord {
  return { ...run, number: maskNumber(run.number), ...(run.code !== undefined && { code: maskCode(run.code) }) };
}

function parseTimestamp(field: string, value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`report ${field} is not an ISO 8601 timestamp: "${value}"`);
  return time;
}
