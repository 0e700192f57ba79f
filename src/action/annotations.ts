// Annotations for failed runs, grouped by check and reason so a run of 20 identical timeouts is one
// line, not 20, and capped at what GitHub shows per step (10). A group is an error when its check
// missed the gate, a warning when the check passed despite it.

import { FAILURE_REASONS, type FailureReason } from '../core/outcome.js';
import type { Report } from '../core/report.js';
import type { RunRecord } from '../core/types.js';

export interface Annotation {
  readonly level: 'error' | 'warning';
  readonly title: string;
  readonly message: string;
}

/** GitHub shows at most 10 error and 10 warning annotations per step. */
export const MAX_ANNOTATIONS = 10;

interface FailureGroup {
  readonly check: string;
  readonly reason: FailureReason;
  readonly runs: RunRecord[];
  readonly finished: number;
  readonly checkFailed: boolean;
}

export function failureAnnotations(report: Report, limit = MAX_ANNOTATIONS): Annotation[] {
  const failedChecks = new Set(
    (report.gate?.thresholds ?? []).flatMap((threshold) => Object.entries(threshold.perCheck).filter(([, verdict]) => !verdict.passed).map(([check]) => check)),
  );
  const groups: FailureGroup[] = [];
  for (const check of report.checks) {
    const byReason = new Map<FailureReason, RunRecord[]>();
    for (const run of check.runs) {
      if (run.outcome !== 'failure' || run.cancelled === true || run.reason === undefined) continue;
      byReason.set(run.reason, [...(byReason.get(run.reason) ?? []), run]);
    }
    for (const [reason, runs] of byReason) {
      groups.push({ check: check.name, reason, runs, finished: check.summary.runs, checkFailed: failedChecks.has(check.name) });
    }
  }
  groups.sort((a, b) => Number(b.checkFailed) - Number(a.checkFailed) || b.runs.length - a.runs.length);
  if (groups.length <= limit) return groups.map(annotate);
  const shown = groups.slice(0, limit - 1);
  const rest = groups.slice(limit - 1);
  return [...shown.map(annotate), remainder(rest)];
}

function annotate(group: FailureGroup): Annotation {
  const { check, reason, runs, finished } = group;
  const info = FAILURE_REASONS[reason];
  const whose = info.origin === 'probe' ? "otp-canary's side, not the target's" : 'the target';
  const first = runs[0]!;
  const detail = first.detail === undefined ? '' : ` First: ${first.detail}${first.providerCode === undefined ? '' : ` (provider code ${first.providerCode})`}.`;
  return {
    level: group.checkFailed ? 'error' : 'warning',
    title: `${check}: ${runs.length} × ${reason}`,
    message: `${runs.length} of ${finished} runs failed at ${first.stage ?? info.stage} with ${reason}: ${info.meaning} (${whose}).${detail}`,
  };
}

function remainder(groups: readonly FailureGroup[]): Annotation {
  const runs = groups.reduce((total, group) => total + group.runs.length, 0);
  const list = groups.map((group) => `${group.check}: ${group.runs.length} × ${group.reason}`).join(', ');
  return {
    level: groups.some((group) => group.checkFailed) ? 'error' : 'warning',
    title: `${groups.length} more failure groups`,
    message: `${runs} more failed runs: ${list}. The job summary and the report list them all.`,
  };
}
