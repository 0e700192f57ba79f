// N samples of several checks under one concurrency limit: what the release gate runs. Checks on
// different numbers run side by side; runs on one number take turns (the lease makes it so, and the
// scheduler skips a number that is in use rather than park a slot waiting for it).

import { Interruption, Scope, type Sleep } from './deadlines.js';
import { runCheck } from './journey.js';
import { processLeases, type NumberLeases } from './lease.js';
import type { CheckProviders, Clock } from './providers.js';
import type { CheckSpec, RunRecord } from './types.js';

export interface BatchItem {
  readonly spec: CheckSpec;
  readonly providers: CheckProviders;
}

export interface BatchOptions {
  /** Runs per check, at most. */
  readonly samples: number;
  /** Runs in flight at once, across all checks. */
  readonly concurrency: number;
  /** Stops starting runs; the runs in flight end as cancelled and are kept. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly leases?: NumberLeases;
  /** Called as each run ends, in completion order. */
  readonly onRun?: (record: RunRecord) => void;
  /** Handed to every run: see RunOptions.onCode. */
  readonly onCode?: (code: string) => void;
  /** Asked after each run of a check ends; true starts no more runs of that check (e.g. a sequential test decided). */
  readonly shouldStop?: (checkName: string, recordsSoFar: readonly RunRecord[]) => boolean;
}

export interface BatchResult {
  /** One entry per item, in the items' order; runs in the order they ended. */
  readonly checks: { readonly name: string; readonly runs: RunRecord[] }[];
  /** True when the signal cut the batch short: a run was cancelled, or a check had runs left to start. */
  readonly interrupted: boolean;
}

interface CheckProgress {
  readonly item: BatchItem;
  readonly runs: RunRecord[];
  started: number;
  stopped: boolean;
}

/** Rejects only on invalid options or when a callback throws; runs still in flight are then cancelled. */
export async function runBatch(items: readonly BatchItem[], options: BatchOptions): Promise<BatchResult> {
  requirePositiveInteger(options.samples, 'samples');
  requirePositiveInteger(options.concurrency, 'concurrency');
  const scope = new Scope(options.signal);
  const runOptions = {
    signal: scope.signal,
    leases: options.leases ?? processLeases,
    ...(options.clock && { clock: options.clock }),
    ...(options.sleep && { sleep: options.sleep }),
    ...(options.onCode && { onCode: options.onCode }),
  };
  const progress: CheckProgress[] = items.map((item) => ({ item, runs: [], started: 0, stopped: false }));
  const numbersInUse = new Set<string>();
  let running = 0;
  let cursor = 0;
  let failed = false;

  const startable = (check: CheckProgress) =>
    !check.stopped && check.started < options.samples && !numbersInUse.has(check.item.spec.number);

  /** The next startable check after the last one started, so every check gets its turn. */
  const nextCheck = (): CheckProgress | undefined => {
    for (let offset = 0; offset < progress.length; offset += 1) {
      const index = (cursor + offset) % progress.length;
      const check = progress[index];
      if (check !== undefined && startable(check)) {
        cursor = index + 1;
        return check;
      }
    }
    return undefined;
  };

  return new Promise<BatchResult>((resolve, reject) => {
    const fill = () => {
      while (running < options.concurrency && !scope.signal.aborted) {
        const check = nextCheck();
        if (check === undefined) break;
        start(check);
      }
      if (running === 0) {
        scope.close();
        resolve({
          checks: progress.map((check) => ({ name: check.item.spec.name, runs: check.runs })),
          // With nothing running, only an abort leaves a check with runs to start.
          interrupted: progress.some((check) => check.runs.some((run) => run.cancelled === true) || (!check.stopped && check.started < options.samples)),
        });
      }
    };

    const start = (check: CheckProgress) => {
      const { spec, providers } = check.item;
      running += 1;
      check.started += 1;
      numbersInUse.add(spec.number);
      void runCheck(spec, providers, runOptions)
        .then((record) => {
          if (failed) return;
          running -= 1;
          numbersInUse.delete(spec.number);
          check.runs.push(record);
          options.onRun?.(record);
          if (options.shouldStop?.(spec.name, check.runs)) check.stopped = true;
          fill();
        })
        .catch((error: unknown) => {
          failed = true;
          scope.abort(new Interruption('cancelled', 'the batch stopped on an error in a callback'));
          scope.close();
          reject(error);
        });
    };

    fill();
  });
}

function requirePositiveInteger(value: number, field: 'samples' | 'concurrency'): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`runBatch: ${field} must be a positive integer, got ${value}`);
}
