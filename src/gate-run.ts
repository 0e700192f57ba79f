// One release-gate run, shared by the CLI's `run` and the Action: prepare the checks, run N samples of
// each (stopping a check early once its sequential test decides), judge the thresholds, build the report.

import type { Config } from './config/schema.js';
import { runBatch } from './core/batch.js';
import { evaluateGate, type GateThresholds } from './core/gate.js';
import { buildReport, type Report } from './core/report.js';
import { designSprt, startSequentialTest, type SequentialGate, type SequentialSnapshot } from './core/sequential.js';
import { summarizeChecks } from './core/summary.js';
import type { RunRecord } from './core/types.js';
import { prepareChecks, type PreparedCheck } from './providers/build.js';
import { VERSION } from './version.js';

export interface GateRunOptions {
  readonly samples: number;
  readonly concurrency: number;
  /** Run only these checks. */
  readonly only?: readonly string[];
  readonly thresholds: GateThresholds;
  /**
   * Stop each check once the sequential test decides it; `samples` is the cap. Needs thresholds.minSuccessRate,
   * and a cap large enough to hold the test's error rates (designSprt throws a RangeError before any send otherwise).
   */
  readonly sequential?: boolean;
  readonly signal?: AbortSignal;
  /** Called once the checks are prepared, before the first send. */
  readonly onStart?: (checks: readonly PreparedCheck[]) => void;
  readonly onRun?: (record: RunRecord) => void;
  /** Called with each raw code as it is extracted, so a face can mask it (see RunOptions.onCode). */
  readonly onCode?: (code: string) => void;
}

export async function runGate(config: Config, options: GateRunOptions): Promise<Report> {
  const startedAt = new Date();
  const environment = await prepareChecks(config, { ...(options.only && { only: options.only }) });
  try {
    options.onStart?.(environment.checks);
    const sequentialGates = sequentialGatesFor(environment.checks, options);
    const batch = await runBatch(environment.checks, {
      samples: options.samples,
      concurrency: options.concurrency,
      ...(options.signal && { signal: options.signal }),
      ...(options.onRun && { onRun: options.onRun }),
      ...(options.onCode && { onCode: options.onCode }),
      ...(sequentialGates && {
        shouldStop: (check: string, runs: readonly RunRecord[]) => {
          const gate = sequentialGates.get(check)!;
          const last = runs.at(-1);
          if (gate.decision() === 'continue' && last && !last.cancelled) gate.observe(last.outcome !== 'failure');
          return gate.decision() !== 'continue';
        },
      }),
    });
    const sequential = sequentialGates && snapshots(sequentialGates);
    const hasThresholds = Object.values(options.thresholds).some((value) => value !== undefined && value !== false);
    const gate = hasThresholds ? evaluateGate(summarizeChecks(batch.checks), options.thresholds, sequential) : undefined;
    return buildReport({
      checks: batch.checks,
      ...(gate && { gate }),
      ...(sequential && { sequential }),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      location: config.location,
      version: VERSION,
    });
  } finally {
    await environment.close();
  }
}

function sequentialGatesFor(checks: readonly PreparedCheck[], options: GateRunOptions): Map<string, SequentialGate> | undefined {
  if (!options.sequential) return undefined;
  const { minSuccessRate } = options.thresholds;
  if (minSuccessRate === undefined) throw new RangeError('the sequential gate needs a minimum success rate to test against');
  // One design for every check: the search behind it runs once per gate.
  const design = designSprt({ minSuccessRate, maxSamples: options.samples });
  return new Map(checks.map((check) => [check.spec.name, startSequentialTest(design)]));
}

function snapshots(gates: Map<string, SequentialGate>): Record<string, SequentialSnapshot> {
  return Object.fromEntries([...gates].map(([name, gate]) => [name, gate.snapshot()]));
}
