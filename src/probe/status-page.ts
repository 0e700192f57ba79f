// The probe's human-facing status page: one self-contained HTML document, no scripts and no external
// assets, so the server can send the strict STATUS_PAGE_CSP. Run details carry text from SMS bodies and
// provider errors, i.e. from outside: every interpolated value goes through escapeHtml.

import { maskNumber } from '../core/mask.js';
import { STAGES, type Outcome, type Stage } from '../core/outcome.js';
import { formatSeconds } from '../core/seconds.js';
import type { ControlRecord, RunRecord } from '../core/types.js';
import type { CheckSummary, RecentRuns } from './recent-runs.js';

/** All the page needs: inline styles and nothing else. */
export const STATUS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Runs drawn as timing bars per check. */
export const TIMING_BAR_RUNS = 10;

export interface StatusPageCheck {
  readonly name: string;
  readonly schedule: string;
  readonly summary: CheckSummary;
  /** Newest first; the first TIMING_BAR_RUNS are drawn. */
  readonly runs: readonly RunRecord[];
  readonly controls: readonly ControlRecord[];
}

export interface StatusPageModel {
  readonly version: string;
  readonly location: string;
  readonly uptimeSeconds: number;
  /** ISO 8601. */
  readonly generatedAt: string;
  readonly checks: readonly StatusPageCheck[];
}

export interface StatusPageSource {
  readonly version: string;
  readonly location: string;
  readonly startedAtMs: number;
  readonly nowMs: number;
  readonly checks: readonly { readonly name: string; readonly schedule: string }[];
  readonly recent: RecentRuns;
}

/** Builds the page model from the probe's configured checks and its recent runs. */
export function statusPageModel(source: StatusPageSource): StatusPageModel {
  return {
    version: source.version,
    location: source.location,
    uptimeSeconds: Math.max(0, (source.nowMs - source.startedAtMs) / 1000),
    generatedAt: new Date(source.nowMs).toISOString(),
    checks: source.checks.map(({ name, schedule }) => ({
      name,
      schedule,
      summary: source.recent.summary(name, source.nowMs),
      runs: source.recent.runs({ check: name, limit: TIMING_BAR_RUNS }),
      controls: source.recent.controls(name),
    })),
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

const STAGE_TIMING: Record<Stage, 'triggerMs' | 'deliverMs' | 'extractMs' | 'verifyMs'> = {
  trigger: 'triggerMs',
  deliver: 'deliverMs',
  extract: 'extractMs',
  verify: 'verifyMs',
};

const STAGE_COLOURS: Record<Stage, string> = { trigger: '#5b8def', deliver: '#f2a93b', extract: '#9b6ad6', verify: '#3bb273' };
const UNATTRIBUTED_COLOUR = '#c7c7c7';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;background:#fff;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:nowrap}
th{background:#f0f0f0}
.success{color:#1e7d3c;font-weight:600}.degraded{color:#a86a00;font-weight:600}.failure{color:#b3261e;font-weight:600}
.passed{color:#1e7d3c}.violated{color:#b3261e;font-weight:600}.inconclusive{color:#a86a00}
.bar{display:flex;width:24rem;height:.9rem;background:#eee}
.bar span{display:block;height:100%}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .25rem 0 .75rem;vertical-align:middle}
.detail{color:#555;max-width:40rem;white-space:normal;word-break:break-word}
`;

export function renderStatusPage(model: StatusPageModel): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>otp-canary ${escapeHtml(model.location)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>otp-canary</h1>
<p class="meta">version ${escapeHtml(model.version)} · location ${escapeHtml(model.location)} · up ${escapeHtml(formatDuration(model.uptimeSeconds))} · generated ${escapeHtml(model.generatedAt)}</p>
${checksTable(model.checks)}
${legend()}
${model.checks.map(checkSection).join('\n')}
</body>
</html>
`;
}

function checksTable(checks: readonly StatusPageCheck[]): string {
  if (checks.length === 0) return '<p>No checks configured.</p>';
  const rows = checks.map(({ name, schedule, summary, runs }) => {
    const number = runs[0] === undefined ? '' : maskNumber(runs[0].number);
    const rate = summary.successRate === undefined ? '–' : `${(summary.successRate * 100).toFixed(1)}% of ${summary.runs}`;
    return `<tr><td>${escapeHtml(name)}</td><td><code>${escapeHtml(schedule)}</code></td><td>${escapeHtml(number)}</td>`
      + `<td>${outcomeBadge(summary.lastOutcome)}</td><td>${summary.lastAgeSeconds === undefined ? '–' : `${escapeHtml(formatDuration(summary.lastAgeSeconds))} ago`}</td>`
      + `<td>${escapeHtml(rate)}</td><td>${escapeHtml(formatOptionalSeconds(summary.deliveryP50Seconds))} / ${escapeHtml(formatOptionalSeconds(summary.deliveryP95Seconds))}</td>`
      + `<td>${failuresList(summary)}</td></tr>`;
  });
  return `<table>
<thead><tr><th>check</th><th>schedule</th><th>number</th><th>last outcome</th><th>age</th><th>success (recent runs)</th><th>delivery p50 / p95</th><th>failures by reason</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function failuresList(summary: CheckSummary): string {
  const entries = Object.entries(summary.failuresByReason).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return '–';
  return entries.map(([reason, count]) => `${escapeHtml(reason)}: ${escapeHtml(count)}`).join('<br>');
}

function legend(): string {
  const items = STAGES.map((stage) => `<span style="background:${STAGE_COLOURS[stage]}"></span>${stage}`);
  return `<p class="legend">timing bars:${items.join('')}<span style="background:${UNATTRIBUTED_COLOUR}"></span>unattributed</p>`;
}

function checkSection(check: StatusPageCheck): string {
  const runs = check.runs.slice(0, TIMING_BAR_RUNS);
  const scaleMs = Math.max(1, ...runs.map((run) => run.timings.totalMs));
  const runRows = runs.map((run) => `<tr><td>${escapeHtml(run.startedAt)}</td><td>${outcomeBadge(run.outcome)}</td>`
    + `<td>${timingBar(run, scaleMs)}</td><td>${escapeHtml(formatDuration(run.timings.totalMs / 1000))}</td>`
    + `<td class="detail">${runDetail(run)}</td></tr>`);
  const runsTable = runs.length === 0
    ? '<p>No runs yet.</p>'
    : `<table><thead><tr><th>started</th><th>outcome</th><th>timing</th><th>total</th><th>detail</th></tr></thead><tbody>\n${runRows.join('\n')}\n</tbody></table>`;
  return `<section>
<h2>${escapeHtml(check.name)}</h2>
${runsTable}
${controlsTable(check.controls)}
</section>`;
}

function timingBar(run: RunRecord, scaleMs: number): string {
  const segments: string[] = [];
  let attributedMs = 0;
  for (const stage of STAGES) {
    const ms = run.timings[STAGE_TIMING[stage]];
    if (ms === undefined || ms <= 0) continue;
    attributedMs += ms;
    segments.push(segment(ms, scaleMs, STAGE_COLOURS[stage], `${stage} ${formatDuration(ms / 1000)}`));
  }
  const restMs = run.timings.totalMs - attributedMs;
  if (restMs > 0) segments.push(segment(restMs, scaleMs, UNATTRIBUTED_COLOUR, `unattributed ${formatDuration(restMs / 1000)}`));
  return `<div class="bar">${segments.join('')}</div>`;
}

function segment(ms: number, scaleMs: number, colour: string, title: string): string {
  const percent = Math.min(100, (ms / scaleMs) * 100).toFixed(2);
  return `<span style="width:${percent}%;background:${colour}" title="${escapeHtml(title)}"></span>`;
}

function runDetail(run: RunRecord): string {
  const parts: string[] = [];
  if (run.reason !== undefined) parts.push(`<strong>${escapeHtml(run.reason)}</strong>${run.stage === undefined ? '' : ` at ${escapeHtml(run.stage)}`}`);
  if (run.providerCode !== undefined) parts.push(`provider code ${escapeHtml(run.providerCode)}`);
  if (run.detail !== undefined) parts.push(escapeHtml(run.detail));
  if (run.warnings.length > 0) parts.push(`warnings: ${escapeHtml(run.warnings.join(', '))}`);
  if (run.cancelled === true) parts.push('cancelled');
  return parts.join(' · ');
}

function controlsTable(controls: readonly ControlRecord[]): string {
  if (controls.length === 0) return '';
  const rows = controls.map((control) => `<tr><td>${escapeHtml(control.control)}</td>`
    + `<td class="${escapeHtml(control.status)}">${escapeHtml(control.status)}</td><td>${escapeHtml(control.startedAt)}</td>`
    + `<td class="detail">${escapeHtml(control.detail)}</td></tr>`);
  return `<table><thead><tr><th>anti-abuse control</th><th>status</th><th>last run</th><th>detail</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function outcomeBadge(outcome: Outcome | undefined): string {
  return outcome === undefined ? '–' : `<span class="${escapeHtml(outcome)}">${escapeHtml(outcome)}</span>`;
}

function formatOptionalSeconds(seconds: number | undefined): string {
  return seconds === undefined ? '–' : formatDuration(seconds);
}

/** 0.042 → "42 ms", 8.25 → "8.25 s", 754 → "12m 34s", 93784 → "1d 2h 3m". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return formatSeconds(seconds);
  const whole = Math.floor(seconds);
  const [days, hours, minutes, secs] = [Math.floor(whole / 86400), Math.floor(whole / 3600) % 24, Math.floor(whole / 60) % 60, whole % 60];
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${secs}s`;
}
