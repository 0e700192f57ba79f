// The per-check summary as a terminal table, then each check's failures by reason, then the gate's
// verdict. Pure: report in, text out. It shows aggregates only, so no code or phone number can reach a
// terminal or CI log through it. The table fits 100 columns (with check names up to 30 characters):
// delivery counts and maxima are left to the JSON report, and the failure reasons, whose list has no
// bound, are listed under the table, wrapped.

import { describeIncomplete } from '../core/gate.js';
import type { Report } from '../core/report.js';
import { formatSeconds } from '../core/seconds.js';
import { SUMMARY_CONFIDENCE, type CheckSummary } from '../core/summary.js';

export interface TableOptions {
  /** ANSI colours; only when the caller knows the output is a colour terminal. */
  readonly color?: boolean;
}

type Tone = 'good' | 'warn' | 'bad' | 'plain';

interface Cell {
  readonly text: string;
  readonly tone?: Tone;
}

const HEADER = ['check', 'runs', 'ok', 'degraded', 'failed', 'p50', 'p95', `success rate [${Math.round(SUMMARY_CONFIDENCE * 100)}% interval]`];
/** The check's name is left-aligned; figures are right-aligned. */
const LEFT_ALIGNED = new Set([0]);
/** Where the failure lines wrap. */
const WIDTH = 100;
const ANSI: Record<Exclude<Tone, 'plain'>, string> = { good: '\u001b[32m', warn: '\u001b[33m', bad: '\u001b[31m' };
const RESET = '\u001b[0m';

export function renderSummaryTable(report: Report, options: TableOptions = {}): string {
  const paint = (cell: Cell): string =>
    options.color === true && cell.tone !== undefined && cell.tone !== 'plain' ? `${ANSI[cell.tone]}${cell.text}${RESET}` : cell.text;

  const rows: Cell[][] = report.checks.map((check) => row(check.name, check.summary));
  if (report.checks.length > 1) rows.push(row('all checks', report.overall));
  const header = HEADER.map((text) => ({ text }));
  const widths = HEADER.map((_, column) => Math.max(...[header, ...rows].map((cells) => cells[column]!.text.length)));
  const line = (cells: Cell[]) =>
    cells
      .map((cell, column) => {
        const padding = ' '.repeat(widths[column]! - cell.text.length);
        return LEFT_ALIGNED.has(column) ? paint(cell) + padding : padding + paint(cell);
      })
      .join('  ')
      .trimEnd();

  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line), ''];
  const failures = report.checks.flatMap((check) => failureLines(check.name, check.summary));
  if (failures.length > 0) lines.push('Failures by reason:', ...failures, '');
  lines.push(...verdict(report).map((entry) => paint(entry)));
  return `${lines.join('\n')}\n`;
}

function row(name: string, s: CheckSummary): Cell[] {
  const { lower, upper } = s.successRateInterval;
  const rate = s.successRate === undefined ? '-' : `${s.successRate.toFixed(3)} [${lower.toFixed(3)}, ${upper.toFixed(3)}]`;
  return [
    { text: name },
    { text: String(s.runs) },
    { text: String(s.successes - s.degraded) },
    { text: String(s.degraded), tone: s.degraded > 0 ? 'warn' : 'plain' },
    { text: String(s.failures), tone: s.failures > 0 ? 'bad' : 'plain' },
    { text: seconds(s.deliveryP50Seconds) },
    { text: seconds(s.deliveryP95Seconds) },
    { text: rate },
  ];
}

/** `  signup: sms_not_received 2, code_rejected 1`, most frequent first, wrapped under its first reason. */
function failureLines(name: string, s: CheckSummary): string[] {
  const reasons = Object.entries(s.failuresByReason)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${reason} ${count}`);
  if (reasons.length === 0) return [];
  const lead = `  ${name}: `;
  const lines = [lead];
  for (const [index, reason] of reasons.entries()) {
    const entry = index < reasons.length - 1 ? `${reason},` : reason;
    const last = lines.length - 1;
    const current = lines[last]!;
    const fresh = current.trim() === '' || current === lead;
    if (!fresh && current.length + 1 + entry.length > WIDTH) lines.push(`${' '.repeat(lead.length)}${entry}`);
    else lines[last] = fresh ? `${current}${entry}` : `${current} ${entry}`;
  }
  return lines;
}

function verdict(report: Report): Cell[] {
  const { gate, incomplete } = report;
  if (gate === undefined) return [heading(report)];
  // The heading already says why an incomplete gate did not pass.
  const cutShort = incomplete && describeIncomplete(incomplete);
  return [
    heading(report),
    ...gate.thresholds.map((threshold) => {
      const observed = Object.entries(threshold.perCheck)
        .map(([name, verdict]) => `${name} ${figure(verdict.observed)}${verdict.passed ? '' : ' (missed)'}`)
        .join(', ');
      return {
        text: `  ${threshold.passed ? 'pass' : 'FAIL'}  ${threshold.name} ${String(threshold.threshold)}: ${observed}`,
        tone: threshold.passed ? ('good' as const) : ('bad' as const),
      };
    }),
    ...gate.reasons.filter((reason) => reason !== cutShort).map((reason) => ({ text: `  - ${reason}`, tone: 'bad' as const })),
    ...gate.notes.map((note) => ({ text: `  note: ${note}` })),
  ];
}

function heading({ gate, incomplete }: Report): Cell {
  if (incomplete !== undefined) return { text: `Gate INCOMPLETE: ${describeIncomplete(incomplete)}`, tone: 'bad' };
  if (gate === undefined) return { text: 'No gate thresholds set: measured only.' };
  return gate.passed ? { text: 'Gate PASSED', tone: 'good' } : { text: 'Gate FAILED', tone: 'bad' };
}

/** Three significant decimals at most: 0.925, 31.5, 1. */
function figure(value: number | undefined): string {
  return value === undefined ? '-' : String(Number(value.toFixed(3)));
}

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : formatSeconds(value);
}
