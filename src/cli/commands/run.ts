// `otp-canary run`: N verifications per check against the configured (or demo) world, a progress line
// on terminals, the per-check table and the verdict; exit 1 when the gate fails. SIGINT/SIGTERM cut it
// short: the runs in flight are cancelled, the table and report show what ended, and the exit code is
// the signal's (130, 143).

import { writeFile } from 'node:fs/promises';
import type { GateThresholds } from '../../core/gate.js';
import { maskNumber } from '../../core/mask.js';
import { verdictOf, type Report } from '../../core/report.js';
import { formatSeconds } from '../../core/seconds.js';
import { INTERRUPTED_EXIT_CODES } from '../../process-interrupt.js';
import { renderSummaryTable } from '../../report/table.js';
import { runGate } from '../../wiring/gate-run.js';
import type { PreparedCheck } from '../../wiring/prepare-checks.js';
import { gateThreshold, list, parseCommandArgs, positiveInteger } from '../args.js';
import { configFrom } from '../config-source.js';
import { holdProbeFrom } from '../hold-probe.js';
import { checkWritable } from '../../report/output-path.js';
import { EXIT_GATE_FAILED, EXIT_INTERNAL, EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';
import { Progress } from '../progress.js';

export const DEFAULT_SAMPLES = 20;
export const DEFAULT_CONCURRENCY = 4;
/** `--json -`: the report on stdout. */
const STDOUT = '-';

export async function runCommand(argv: string[], io: CommandIo, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      config: { type: 'string' },
      samples: { type: 'string' },
      concurrency: { type: 'string' },
      checks: { type: 'string' },
      json: { type: 'string' },
      'min-success-rate': { type: 'string' },
      'max-p95-delivery-seconds': { type: 'string' },
      'fail-on-degraded': { type: 'boolean' },
      sequential: { type: 'boolean', default: false },
      'no-progress': { type: 'boolean', default: false },
      'hold-probe': { type: 'string' },
    },
  });
  const samples = positiveInteger('samples', values.samples) ?? DEFAULT_SAMPLES;
  const concurrency = positiveInteger('concurrency', values.concurrency) ?? DEFAULT_CONCURRENCY;
  const only = list(values.checks);
  const jsonPath = values.json;
  if (jsonPath !== undefined && jsonPath !== STDOUT) await checkWritable('--json', jsonPath);
  const { config, description } = await configFrom(values.config);
  const thresholds: GateThresholds = {
    minSuccessRate: gateThreshold('minSuccessRate', 'min-success-rate', values['min-success-rate']) ?? config.gate.minSuccessRate,
    maxP95DeliverySeconds: gateThreshold('maxP95DeliverySeconds', 'max-p95-delivery-seconds', values['max-p95-delivery-seconds']) ?? config.gate.maxP95DeliverySeconds,
    failOnDegraded: values['fail-on-degraded'] ?? config.gate.failOnDegraded,
  };
  const holdProbe = holdProbeFrom(values['hold-probe'], config, process.env);

  io.stderr(`otp-canary: ${description}\n`);
  const progress = new Progress(io, !values['no-progress']);
  const announceInterrupt = () => progress.note('otp-canary: interrupted: cancelling the runs in flight, then reporting what ended; a second signal exits at once\n');
  signal.addEventListener('abort', announceInterrupt, { once: true });
  const report = await runGate(config, {
    samples,
    concurrency,
    thresholds,
    sequential: values.sequential,
    signal,
    ...(only && { only }),
    ...(holdProbe && { holdProbe }),
    onStart: (checks) => {
      for (const note of pacingNotes(checks, samples)) io.stderr(note);
      progress.start(checks.map((c) => c.spec.name), samples);
    },
    onRun: (record) => progress.record(record),
  }).finally(() => signal.removeEventListener('abort', announceInterrupt));
  progress.finish();

  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (jsonPath === STDOUT) {
    // stdout is the report's alone, so a pipe gets JSON; the table is for the person watching.
    io.stderr(renderSummaryTable(report, { color: io.color.stderr }));
    io.stdout(json);
  } else {
    io.stdout(renderSummaryTable(report, { color: io.color.stdout }));
    if (jsonPath !== undefined) {
      await writeFile(jsonPath, json);
      io.stderr(`report written to ${jsonPath}\n`);
    }
  }
  return exitCode(report);
}

/** Below this, keeping to a resend window is not worth a word. */
const NOTABLE_PACING_MS = 10_000;

/** Says up front when a check's resend window makes its samples slow, so a quiet terminal is not taken for a hang. */
function pacingNotes(checks: readonly PreparedCheck[], samples: number): string[] {
  return checks.flatMap(({ spec }) => {
    const floorMs = (samples - 1) * spec.policy.resendWindowMs;
    if (floorMs < NOTABLE_PACING_MS) return [];
    return [
      `otp-canary: ${spec.name}: runs on ${maskNumber(spec.number)} keep to its policy.resendWindow (${formatSeconds(spec.policy.resendWindowMs / 1000)}), ` +
        `so ${samples} samples take at least ${formatSeconds(Math.ceil(floorMs / 1000))}; set the window your app really enforces (0s for none)\n`,
    ];
  });
}

function exitCode(report: Report): number {
  switch (verdictOf(report)) {
    case 'passed':
    case 'measured':
      return EXIT_OK;
    case 'failed':
      return EXIT_GATE_FAILED;
    case 'incomplete':
      // Only a signal cuts the CLI's gate short; anything else would be our bug.
      return report.incomplete?.signal === undefined ? EXIT_INTERNAL : INTERRUPTED_EXIT_CODES[report.incomplete.signal];
  }
}
