// One release-gate run, shared by the CLI's `run` and the Action: prepare the checks, run N samples of
// each (stopping a check early once its sequential test decides), judge the thresholds, build the report.
// An abort cuts it short: the runs in flight end as cancelled, and the report is marked incomplete.

import type { Config } from '../config/schema.js';
import { runBatch } from '../core/batch.js';
import { evaluateGate, type GateThresholds, type Incomplete } from '../core/gate.js';
import { buildReport, type Report } from '../core/report.js';
import { CapTooSmallError, designSprt, startSequentialTest, type SequentialGate, type SequentialSnapshot, type SprtDesign } from '../core/sequential.js';
import { summarizeChecks } from '../core/summary.js';
import { systemClock, type Clock } from '../core/providers.js';
import type { RunRecord } from '../core/types.js';
import { ProcessInterrupt } from '../process-interrupt.js';
import { holdProbeNumbers, ProbeHoldError, type ProbeHoldOptions } from '../probe-hold/client.js';
import { prepareChecks, type PreparedCheck } from './prepare-checks.js';
import { VERSION } from '../version.js';

export interface GateRunOptions {
  readonly samples: number;
  readonly concurrency: number;
  /** Run only these checks. */
  readonly only?: readonly string[];
  readonly thresholds: GateThresholds;
  /**
   * Stop each check once the sequential test decides it; `samples` is the cap. Needs thresholds.minSuccessRate
   * below 1, and a cap large enough to hold the test's error rates (a GateOptionsError before any send otherwise).
   */
  readonly sequential?: boolean;
  /**
   * Aborting it starts no more runs and cancels those in flight; the report then holds what ended, is
   * marked `incomplete` (the abort reason's message as its reason) and never passes.
   */
  readonly signal?: AbortSignal;
  /** Called once the checks are prepared, before the first send. */
  readonly onStart?: (checks: readonly PreparedCheck[]) => void;
  readonly onRun?: (record: RunRecord) => void;
  /** Called with each raw code as it is extracted, so a face can mask it (see RunOptions.onCode). */
  readonly onCode?: (code: string) => void;
  /** Keep the probe that shares the checks' numbers off them, from before the first send to the end. */
  readonly holdProbe?: GateProbeHold;
  /** What the runs and the report's start and finish are timed by; the system's clock by default. */
  readonly clock?: Clock;
}

export type GateProbeHold = Pick<ProbeHoldOptions, 'url' | 'token' | 'holder' | 'settleSeconds'>;

/** Options that cannot make a gate, found before anything is started or sent; faces report it as bad usage. */
export class GateOptionsError extends Error {
  override readonly name = 'GateOptionsError';
}

/**
 * With `holdProbe`, the checks' numbers are held on the probe before anything is sent (a ProbeHoldError
 * when not) and released at the end, whatever the end; a hold lost midway stops the runs and throws.
 */
export async function runGate(config: Config, options: GateRunOptions): Promise<Report> {
  if (options.holdProbe === undefined) return runChecks(config, options);
  const numbers = [...new Set(config.checks.filter((check) => options.only?.includes(check.name) ?? true).map((check) => check.number))];
  const hold = await holdProbeNumbers({ ...options.holdProbe, numbers, ...(options.signal && { signal: options.signal }) }).catch((error: unknown) => {
    throw error instanceof ProbeHoldError ? new ProbeHoldError(`${error.message}; no SMS was sent`, { cause: error }) : error;
  });
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, hold.lost]) : hold.lost;
    const report = await runChecks(config, { ...options, signal });
    hold.lost.throwIfAborted();
    return report;
  } finally {
    await hold.release();
  }
}

async function runChecks(config: Config, options: GateRunOptions): Promise<Report> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.wallNow();
  const design = options.sequential ? sequentialDesign(options) : undefined;
  const environment = await prepareChecks(config, { clock, ...(options.only && { only: options.only }) });
  try {
    options.onStart?.(environment.checks);
    // One design for every check: the search behind it runs once per gate.
    const sequentialGates = design && new Map(environment.checks.map((check) => [check.spec.name, startSequentialTest(design)]));
    const batch = await runBatch(environment.checks, {
      samples: options.samples,
      concurrency: options.concurrency,
      clock,
      ...(options.signal && { signal: options.signal }),
      ...(options.onRun && { onRun: options.onRun }),
      ...(options.onCode && { onCode: options.onCode }),
      ...(sequentialGates && {
        shouldStop: (check: string, runs: readonly RunRecord[]) => {
          const gate = sequentialGates.get(check)!;
          const last = runs.at(-1);
          // A run that failed for otp-canary's own reasons is no trial of the target.
          if (gate.decision() === 'continue' && last && !last.cancelled && last.origin !== 'probe') gate.observe(last.outcome !== 'failure');
          return gate.decision() !== 'continue';
        },
      }),
    });
    const sequential = sequentialGates && snapshots(sequentialGates);
    const summary = summarizeChecks(batch.checks);
    const incomplete = batch.interrupted ? incompleteness(options.signal?.reason, summary.overall.runs, options.samples * environment.checks.length) : undefined;
    const hasThresholds = Object.values(options.thresholds).some((value) => value !== undefined && value !== false);
    const gate = hasThresholds ? evaluateGate(summary, options.thresholds, sequential, incomplete) : undefined;
    return buildReport({
      checks: batch.checks,
      ...(gate && { gate }),
      ...(sequential && { sequential }),
      ...(incomplete && { incomplete }),
      startedAt: startedAt.toISOString(),
      finishedAt: clock.wallNow().toISOString(),
      location: config.location,
      version: VERSION,
    });
  } finally {
    await environment.close();
  }
}

function sequentialDesign({ thresholds: { minSuccessRate }, samples }: GateRunOptions): SprtDesign {
  if (minSuccessRate === undefined) {
    throw new GateOptionsError('the sequential gate tests against a minimum success rate: set min-success-rate (or gate.minSuccessRate in the config)');
  }
  if (minSuccessRate === 1) throw new GateOptionsError('the sequential gate needs a minimum success rate below 1: no number of runs can show a rate of 1');
  try {
    return designSprt({ minSuccessRate, maxSamples: samples });
  } catch (error) {
    if (!(error instanceof CapTooSmallError)) throw error;
    throw new GateOptionsError(
      `samples ${samples} is too small for the sequential gate at a minimum success rate of ${minSuccessRate}: ` +
        `it needs at least ${error.fixedSamples} (what the fixed-N test with the same 5% error rates sends) to hold its error rates`,
      { cause: error },
    );
  }
}

function incompleteness(reason: unknown, finished: number, planned: number): Incomplete {
  return {
    reason: reason instanceof Error ? reason.message : String(reason),
    ...(reason instanceof ProcessInterrupt && { signal: reason.signal }),
    finished,
    planned,
  };
}

function snapshots(gates: Map<string, SequentialGate>): Record<string, SequentialSnapshot> {
  return Object.fromEntries([...gates].map(([name, gate]) => [name, gate.snapshot()]));
}
