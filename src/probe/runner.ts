// Runs the checks of one loaded config: at most one journey per check at a time (a second start is an
// `overlap`), and one run per test number across all checks (a check sharing a number waits, boundedly,
// for its lease, then counts as `number_busy`), and none on a number a release gate holds (`held`). On shutdown or reload, in-flight work gets a grace period,
// then is cut off; cut-off runs are still recorded, marked cancelled, never dropped.

import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { runControl } from '../core/controls.js';
import { runCheck } from '../core/journey.js';
import { LeaseWaitTimeout, type Lease, type NumberLeases } from '../core/lease.js';
import { maskNumber } from '../core/mask.js';
import { formatSeconds } from '../core/seconds.js';
import type { RunRecord } from '../core/types.js';
import type { PreparedCheck } from '../wiring/prepare-checks.js';
import type { Recorder } from './recorder.js';

export interface CheckRunnerOptions {
  readonly checks: readonly PreparedCheck[];
  /** Shared by every runner of the probe's life, so a reload never puts two runs on one number. */
  readonly leases: NumberLeases;
  readonly recorder: Recorder;
  readonly logger: Logger;
  /** The release gates' holds: work on a held number does not start. */
  readonly holds: { isHeld(number: string): boolean };
}

/** Why a run did not produce a record. */
export type NotRun = 'overlap' | 'number_busy' | 'held' | 'stopped';

export type RunResult = { readonly status: 'recorded'; readonly record: RunRecord } | { readonly status: NotRun };

export class CheckRunner {
  readonly #checks: ReadonlyMap<string, PreparedCheck>;
  readonly #options: CheckRunnerOptions;
  readonly #running = new Set<string>();
  readonly #controlsRunning = new Set<string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Aborted when the grace period runs out: every run still going is cut off (and recorded). */
  readonly #cutOff = new AbortController();
  #stopped = false;

  constructor(options: CheckRunnerOptions) {
    this.#options = options;
    // Every run in flight listens on it: a hundred checks are a hundred listeners, not a leak.
    setMaxListeners(0, this.#cutOff.signal);
    this.#checks = new Map(options.checks.map((check) => [check.spec.name, check]));
  }

  get checks(): readonly PreparedCheck[] {
    return [...this.#checks.values()];
  }

  has(name: string): boolean {
    return this.#checks.has(name);
  }

  isRunning(name: string): boolean {
    return this.#running.has(name);
  }

  /** Runs the check's journey now unless it is already running; resolves once it is recorded (or not run). */
  run(name: string): Promise<RunResult> {
    const check = this.#check(name);
    if (this.#stopped) return Promise.resolve({ status: 'stopped' });
    if (this.#running.has(name)) return Promise.resolve({ status: 'overlap' });
    this.#running.add(name);
    return this.#track(
      this.#underLease(check, async (lease) => {
        const record = await runCheck(check.spec, check.providers, { lease, signal: this.#cutOff.signal });
        this.#options.recorder.recordRun(record);
        return { status: 'recorded', record } as const;
      }).finally(() => this.#running.delete(name)),
    );
  }

  /** Runs the check's anti-abuse controls one after another, holding its number throughout. */
  runControls(name: string): Promise<RunResult | { readonly status: 'done' }> {
    const check = this.#check(name);
    if (this.#stopped) return Promise.resolve({ status: 'stopped' });
    if (this.#controlsRunning.has(name)) return Promise.resolve({ status: 'overlap' });
    this.#controlsRunning.add(name);
    return this.#track(
      this.#underLease(check, async (lease) => {
        for (const control of check.spec.controls) {
          if (this.#cutOff.signal.aborted) break;
          this.#options.recorder.recordControl(await runControl(control, check.spec, check.providers, { lease, signal: this.#cutOff.signal }));
        }
        return { status: 'done' } as const;
      }).finally(() => this.#controlsRunning.delete(name)),
    );
  }

  /**
   * Starts nothing more, lets in-flight work finish for `graceMs`, then cuts off what is left and waits
   * for it to be recorded. Resolves with the number of runs and control series cut off.
   */
  async drain(graceMs: number): Promise<number> {
    this.#stopped = true;
    if (this.#inFlight.size === 0) return 0;
    const timer = new AbortController();
    const settled = Promise.allSettled([...this.#inFlight]);
    const finished = await Promise.race([settled.then(() => true), delay(graceMs, false, { signal: timer.signal })]);
    timer.abort();
    if (finished) return 0;
    const cutOff = this.#inFlight.size;
    this.#cutOff.abort(new Error(`the ${formatSeconds(graceMs / 1000)} shutdown grace period ran out`));
    await Promise.allSettled([...this.#inFlight]);
    return cutOff;
  }

  #check(name: string): PreparedCheck {
    const check = this.#checks.get(name);
    if (check === undefined) throw new RangeError(`no check is named "${name}"`);
    return check;
  }

  /**
   * Holds the number's probe-wide lease around `work`, waiting at most the check's total timeout. The
   * journey and the controls run under that lease, so what one run learns of the number (codes spent,
   * when it was last released) reaches the next, for the probe's whole life. A held number is not
   * touched; nor is one a hold asked for while this run waited in line, the hold being what it waited behind.
   */
  async #underLease<T>(check: PreparedCheck, work: (lease: Lease) => Promise<T>): Promise<T | { readonly status: 'number_busy' | 'held' | 'stopped' }> {
    const { holds } = this.#options;
    if (holds.isHeld(check.spec.number)) return { status: 'held' };
    let lease: Lease;
    try {
      lease = await this.#options.leases.acquire(check.spec.number, { signal: this.#cutOff.signal, waitMs: check.spec.timeouts.totalMs });
    } catch (error) {
      if (!(error instanceof LeaseWaitTimeout)) return { status: 'stopped' };
      this.#options.logger.warn({ event: 'number_busy', check: check.spec.name, number: maskNumber(check.spec.number) }, error.message);
      return { status: 'number_busy' };
    }
    if (holds.isHeld(check.spec.number)) {
      lease.release();
      return { status: 'held' };
    }
    try {
      return await work(lease);
    } finally {
      lease.release();
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}
