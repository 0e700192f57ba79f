// The job summary as Markdown: the verdict first, then each check's figures, the thresholds against
// what was observed, the gate's notes, the sequential test's decisions and a Mermaid chart of the
// delivery latencies. Pure: report in, Markdown out. It shows aggregates and masked details only.
// Figures read from Prometheus have no run records behind them: the summary says what that leaves out.
// The pull request comment (pr-comment.ts) reuses its verdict, overview and tables.

import { describeIncomplete, type ThresholdName, type ThresholdResult } from '../core/gate.js';
import type { Report } from '../core/report.js';
import { formatSeconds } from '../core/seconds.js';
import type { CheckSummary } from '../core/summary.js';
import type { DeliveryBucket } from '../prometheus/slo.js';

export interface SummaryContext {
  /** Where the checks came from, e.g. "config .github/otp-canary.yml". */
  readonly source: string;
  /** Runs per check asked for (the cap in sequential mode); absent when nothing was run here. */
  readonly samples?: number;
  /** Set when the figures were read from Prometheus rather than measured by runs of this step. */
  readonly prometheus?: PrometheusSummaryContext;
}

export interface PrometheusSummaryContext {
  /** The window the figures cover, as given: "1h". */
  readonly window: string;
  /** The delivery histogram over the window, all checks pooled. */
  readonly deliveryBuckets: readonly DeliveryBucket[];
}

export function renderJobSummary(report: Report, context: SummaryContext): string {
  const sections = [
    verdict(report),
    overview(report, context),
    prometheusCaveats(context),
    checksTable(report),
    thresholdsTable(report),
    notes(report),
    sequentialTable(report, context.samples),
    context.prometheus === undefined ? latencyChart(report) : bucketChart(context.prometheus),
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

/** The one-line verdict: the Action's failure message, and the summary's heading. */
export function verdictLine(report: Report): string {
  const { gate, incomplete } = report;
  if (incomplete !== undefined) return `OTP delivery gate incomplete: ${describeIncomplete(incomplete)}`;
  if (gate === undefined) return 'OTP delivery measured: no thresholds were set, so the gate cannot fail';
  if (gate.passed) return 'OTP delivery gate passed';
  return `OTP delivery gate failed: ${gate.reasons.join('; ')}`;
}

export function verdict(report: Report): string {
  const { gate, incomplete } = report;
  if (incomplete !== undefined) {
    const cutShort = describeIncomplete(incomplete);
    const misses = (gate?.reasons ?? []).filter((reason) => reason !== cutShort);
    return [
      '## ⏹️ OTP delivery gate incomplete',
      '',
      `Runs were cut short, so the gate cannot pass: ${escapeMarkdown(cutShort)}. The figures below are those of the runs that ended.`,
      ...(misses.length > 0 ? ['', ...misses.map((reason) => `- ${escapeMarkdown(reason)}`)] : []),
    ].join('\n');
  }
  if (gate === undefined) return `## ➖ OTP delivery measured\n\nNo thresholds were set, so the gate could not fail.`;
  if (gate.passed) return '## ✅ OTP delivery gate passed';
  return ['## ❌ OTP delivery gate failed', '', ...gate.reasons.map((reason) => `- ${escapeMarkdown(reason)}`)].join('\n');
}

export function overview(report: Report, context: SummaryContext): string {
  const checks = report.checks.length;
  if (context.prometheus !== undefined) {
    return (
      `${checks} ${checks === 1 ? 'check' : 'checks'} · ≈${report.overall.runs} runs in the last ${escapeMarkdown(context.prometheus.window)} · ` +
      `${escapeMarkdown(context.source)} · location \`${escapeMarkdown(report.location)}\` · otp-canary ${report.version}`
    );
  }
  return (
    `${checks} ${checks === 1 ? 'check' : 'checks'} · ${report.overall.runs} runs · ${escapeMarkdown(context.source)} · ` +
    `location \`${escapeMarkdown(report.location)}\` · ${seconds(report.durationMs / 1000)} · otp-canary ${report.version}`
  );
}

function prometheusCaveats(context: SummaryContext): string {
  if (context.prometheus === undefined) return '';
  return (
    '> Read from Prometheus, as the SLO rules count: runs and failures are `increase()` estimates over the window, ' +
    "rounded to whole runs; runs that failed on otp-canary's own side (origin probe) are left out; delivery percentiles " +
    'are `histogram_quantile` estimates from the delivery histogram\'s buckets. Prometheus keeps no run records, so the ' +
    'slowest delivery, per-run details and the JUnit report are not available.'
  );
}

const CHECK_COLUMNS = ['check', 'runs', 'successes', 'degraded', 'failures by reason', 'delivery p50', 'p95', 'max', 'success rate (95% interval)'];

export function checksTable(report: Report): string {
  const rows = report.checks.map((check) => checkRow(check.name, check.summary));
  if (report.checks.length > 1) rows.push(checkRow('**all checks**', report.overall));
  return ['### Checks', '', ...table(CHECK_COLUMNS, rows, [1, 2, 3, 5, 6, 7])].join('\n');
}

function checkRow(name: string, s: CheckSummary): string[] {
  const reasons = Object.entries(s.failuresByReason)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `\`${reason}\` ${count}`)
    .join(', ');
  const { lower, upper } = s.successRateInterval;
  const rate = s.successRate === undefined ? '–' : `${s.successRate.toFixed(3)} [${lower.toFixed(3)}, ${upper.toFixed(3)}]`;
  const cancelled = s.cancelled > 0 ? ` (+${s.cancelled} cancelled)` : '';
  return [
    name,
    `${s.runs}${cancelled}`,
    String(s.successes),
    String(s.degraded),
    reasons === '' ? '–' : reasons,
    seconds(s.deliveryP50Seconds),
    seconds(s.deliveryP95Seconds),
    seconds(s.deliveryMaxSeconds),
    rate,
  ];
}

const THRESHOLD_LABELS: Record<
  ThresholdName,
  { readonly label: string; readonly required: (threshold: number | boolean) => string; readonly observed: (value: number) => string }
> = {
  minRuns: { label: 'finished runs', required: (t) => `≥ ${t}`, observed: String },
  minSuccessRate: { label: 'success rate', required: (t) => `≥ ${t}`, observed: round },
  maxP95DeliverySeconds: { label: 'delivery p95', required: (t) => `≤ ${t} s`, observed: seconds },
  failOnDegraded: { label: 'degraded runs', required: () => 'none', observed: String },
};

export function thresholdsTable(report: Report): string {
  const thresholds = report.gate?.thresholds ?? [];
  if (thresholds.length === 0) return '';
  const rows = thresholds.map((threshold) => thresholdRow(threshold));
  return ['### Thresholds', '', ...table(['threshold', 'required', 'observed per check', 'result'], rows)].join('\n');
}

function thresholdRow(threshold: ThresholdResult): string[] {
  const { label, required, observed: format } = THRESHOLD_LABELS[threshold.name];
  const observed = Object.entries(threshold.perCheck)
    .map(([check, verdict]) => `${check} ${verdict.observed === undefined ? '–' : format(verdict.observed)} ${verdict.passed ? '✅' : '❌'}`)
    .join('<br>');
  return [label, required(threshold.threshold), observed, threshold.passed ? '✅ met' : '❌ missed'];
}

function notes(report: Report): string {
  const lines = report.gate?.notes ?? [];
  if (lines.length === 0) return '';
  return ['### Notes', '', ...lines.map((line) => `- ${escapeMarkdown(line)}`)].join('\n');
}

function sequentialTable(report: Report, cap: number | undefined): string {
  if (report.sequential === undefined) return '';
  const rows = Object.entries(report.sequential).map(([check, test]) => [
    check,
    test.decision === 'continue'
      ? 'undecided'
      : `${test.decision} (${test.decidedBy === 'sprt' ? 'bound crossed' : `cap reached: ${test.successes} against the cut-off ${test.design.capMinSuccesses}`})`,
    cap === undefined ? String(test.samples) : `${test.samples} of at most ${cap}`,
    `${test.successes}/${test.samples}`,
    test.logLikelihoodRatio.toFixed(2),
  ]);
  const { design } = Object.values(report.sequential)[0] ?? {};
  const intro = design
    ? `Wald's SPRT truncated at ${design.maxSamples} runs: H0 p = ${round(design.p0)} against H1 p = ${round(design.p1)}; it stops sending once the ` +
      `log-likelihood ratio leaves [${design.lowerBound.toFixed(2)}, ${design.upperBound.toFixed(2)}], and at the cap passes on ≥ ${design.capMinSuccesses} successes. ` +
      `Exact error rates of this design: false pass ${design.atP0.pass.toFixed(4)} (α = ${design.alpha}), false fail ${design.atP1.fail.toFixed(4)} (β = ${design.beta}); ` +
      `expected runs ${design.atP0.expectedSamples.toFixed(0)} at p0 and ${design.atP1.expectedSamples.toFixed(0)} at p1.`
    : '';
  return ['### Sequential test', '', intro, '', ...table(['check', 'decision', 'runs (SMS)', 'successes', 'log-likelihood ratio'], rows, [2, 3, 4])].join('\n');
}

/** At most this many bars: enough to show a shape, few enough to stay readable. */
const MAX_BUCKETS = 10;

function latencyChart(report: Report): string {
  const deliveries = report.checks.flatMap((check) =>
    check.runs.flatMap((run) => (run.cancelled !== true && run.deliverySeconds !== undefined ? [run.deliverySeconds] : [])),
  );
  if (deliveries.length === 0) return '### Delivery latency\n\nNo SMS arrived, so there is no latency to chart.';
  const buckets = histogram(deliveries);
  const labels = buckets.map((bucket) => `"${bucket.label}"`).join(', ');
  const top = Math.max(...buckets.map((bucket) => bucket.count));
  return [
    '### Delivery latency',
    '',
    '```mermaid',
    'xychart-beta',
    `    title "SMS delivery latency, all checks (n=${deliveries.length})"`,
    `    x-axis "seconds" [${labels}]`,
    `    y-axis "runs" 0 --> ${top}`,
    `    bar [${buckets.map((bucket) => bucket.count).join(', ')}]`,
    '```',
  ].join('\n');
}

/** The probe's delivery histogram as bars, up to the last bucket that holds a delivery. */
function bucketChart({ window, deliveryBuckets }: PrometheusSummaryContext): string {
  const counts = deliveryBuckets.map((bucket) => ({ ...bucket, count: Math.round(bucket.count) }));
  const last = counts.findLastIndex((bucket) => bucket.count > 0);
  if (last === -1) return `### Delivery latency\n\nNo SMS arrived in the last ${escapeMarkdown(window)}, so there is no latency to chart.`;
  const shown = counts.slice(0, last + 1);
  const total = shown.reduce((sum, bucket) => sum + bucket.count, 0);
  const labels = shown.map((bucket) => `"${bucket.upper === Infinity ? `>${bucket.lower}` : `${bucket.lower}-${bucket.upper}`}"`).join(', ');
  return [
    '### Delivery latency',
    '',
    '```mermaid',
    'xychart-beta',
    `    title "SMS delivery latency, all checks, last ${window} (n≈${total}, histogram buckets)"`,
    `    x-axis "seconds" [${labels}]`,
    `    y-axis "runs" 0 --> ${Math.max(...shown.map((bucket) => bucket.count))}`,
    `    bar [${shown.map((bucket) => bucket.count).join(', ')}]`,
    '```',
  ].join('\n');
}

export interface Bucket {
  readonly label: string;
  readonly count: number;
}

/** Equal-width buckets from 0, the width a round number (1, 2 or 5 × 10ⁿ s) giving at most MAX_BUCKETS bars. */
export function histogram(values: readonly number[]): Bucket[] {
  const max = Math.max(...values);
  const width = niceWidth(max / MAX_BUCKETS);
  const count = Math.max(1, Math.ceil(max / width + 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(width) + 1e-9));
  const counts = new Array<number>(count).fill(0);
  for (const value of values) counts[Math.min(count - 1, Math.floor(value / width))]! += 1;
  return counts.map((n, index) => ({ label: `${(index * width).toFixed(decimals)}-${((index + 1) * width).toFixed(decimals)}`, count: n }));
}

function niceWidth(raw: number): number {
  if (!(raw > 0)) return 0.001;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10;
  return step * magnitude;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string[] {
  const align = header.map((_, column) => (rightAligned.includes(column) ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `| ${align.join(' | ')} |`, ...rows.map(line)];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Free text (reasons, notes) must not open HTML or break a line of Markdown. */
function escapeMarkdown(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}

function seconds(value: number | undefined): string {
  return value === undefined ? '–' : formatSeconds(value);
}

function round(value: number): string {
  return String(Number(value.toFixed(4)));
}
