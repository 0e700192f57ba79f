// Holds: a release gate's claim on test numbers the probe shares with it. From the moment a hold is
// asked for, the probe starts no run or control on its numbers (they are skipped as `held`); the hold is
// granted once the probe's in-flight work on them has ended and it holds their probe-wide leases, which
// it keeps until the hold is released or expires. So the gate's SMS never meet the probe's, and the
// lease remembers the hold's end, like any run's, for the stale-message rules of the next probe run.
// A hold lives for its TTL unless renewed: a gate that dies never keeps the probe off for long.
// A hold may ask for a quiet gap (settleSeconds) on each side of it, so that an SMS arriving late for
// the probe's last run, or for the gate's, lands while nobody reads the number: the grant waits until
// the probe's last run ended that long ago, and the numbers stay held that long after the hold ends.
// Every replica holds the numbers it is asked for, whether or not its shard runs them.

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LeaseWaitTimeout, type Lease, type NumberLeases } from '../core/lease.js';
import { maskNumber } from '../core/mask.js';
import type { HoldAnswer, HoldRequest } from '../probe-hold/protocol.js';

/** Why a hold was not granted. */
export type HoldRefusal =
  | { readonly status: 'conflict'; readonly holder: string }
  | { readonly status: 'busy'; readonly waitSeconds: number }
  | { readonly status: 'stopping' };

interface ActiveHold {
  readonly id: string;
  readonly numbers: readonly string[];
  readonly holder: string;
  readonly leases: readonly Lease[];
  readonly settleMs: number;
  expiresAtMs: number;
  timer: NodeJS.Timeout;
}

export class NumberHolds {
  readonly #leases: NumberLeases;
  readonly #logger: Logger;
  /** Granted holds by id. */
  readonly #holds = new Map<string, ActiveHold>();
  /** Every number asked for or granted, with its holder: runs on these do not start. */
  readonly #held = new Map<string, string>();
  /** Ended holds keeping their numbers through their quiet gap, and the timers that free them. */
  readonly #settling = new Map<ActiveHold, NodeJS.Timeout>();
  /** Aborted on close: holds still waiting for the probe's runs give up. */
  readonly #closing = new AbortController();

  constructor(leases: NumberLeases, logger: Logger) {
    this.#leases = leases;
    this.#logger = logger;
  }

  /** Whether a hold has (or is waiting for) the number. */
  isHeld(number: string): boolean {
    return this.#held.has(number);
  }

  /**
   * Grants the hold once the probe's in-flight work on its numbers has ended (waiting at most
   * request.waitSeconds for it) and the quiet gap after the last run has passed.
   */
  async grant(request: HoldRequest): Promise<HoldAnswer | HoldRefusal> {
    if (this.#closing.signal.aborted) return { status: 'stopping' };
    const taken = request.numbers.find((number) => this.#held.has(number));
    if (taken !== undefined) return { status: 'conflict', holder: this.#held.get(taken)! };

    for (const number of request.numbers) this.#held.set(number, request.holder);
    const leases = await this.#acquire(request);
    if (!Array.isArray(leases)) {
      for (const number of request.numbers) this.#held.delete(number);
      return leases;
    }

    const id = randomUUID();
    const hold: ActiveHold = { id, numbers: request.numbers, holder: request.holder, leases, settleMs: request.settleSeconds * 1000, ...this.#expiry(id, request.ttlSeconds) };
    this.#holds.set(id, hold);
    this.#logger.info(
      { event: 'hold_granted', holdId: id, holder: hold.holder, numbers: masked(hold.numbers), ttlSeconds: request.ttlSeconds, expiresAt: iso(hold.expiresAtMs) },
      `${hold.numbers.length} numbers held for ${hold.holder}`,
    );
    return answer(hold);
  }

  /** Extends the hold to `ttlSeconds` from now; undefined when it is unknown (released, expired, or the probe restarted). */
  renew(id: string, ttlSeconds: number): HoldAnswer | undefined {
    const hold = this.#holds.get(id);
    if (hold === undefined) return undefined;
    clearTimeout(hold.timer);
    Object.assign(hold, this.#expiry(id, ttlSeconds));
    this.#logger.debug({ event: 'hold_renewed', holdId: id, holder: hold.holder, expiresAt: iso(hold.expiresAtMs) }, `hold of ${hold.holder} renewed`);
    return answer(hold);
  }

  /** Ends the hold; false when it is unknown. */
  release(id: string): boolean {
    const hold = this.#end(id);
    if (hold === undefined) return false;
    this.#logger.info({ event: 'hold_released', holdId: id, holder: hold.holder, numbers: masked(hold.numbers) }, `hold of ${hold.holder} released`);
    return true;
  }

  /** On shutdown: refuses new holds, gives up waiting ones, ends the granted ones and their quiet gaps. */
  close(): void {
    this.#closing.abort(new Error('the probe is stopping'));
    for (const id of [...this.#holds.keys()]) this.release(id);
    for (const [hold, timer] of this.#settling) {
      clearTimeout(timer);
      this.#free(hold);
    }
  }

  /**
   * The leases of every number, once the probe's in-flight work on them has ended and, if the request
   * asks for a quiet gap, once their last run ended that long ago; or why not, holding none of them.
   */
  async #acquire(request: HoldRequest): Promise<Lease[] | HoldRefusal> {
    const waitMs = request.waitSeconds * 1000;
    const acquired = await Promise.allSettled(
      request.numbers.map((number) => (waitMs === 0 ? tryAcquire(this.#leases, number) : this.#leases.acquire(number, { waitMs, signal: this.#closing.signal }))),
    );
    const leases = acquired.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const giveUp = (refusal: HoldRefusal): HoldRefusal => {
      for (const lease of leases) lease.release();
      return refusal;
    };
    if (this.#closing.signal.aborted) return giveUp({ status: 'stopping' });
    const failure = acquired.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      if (!(failure.reason instanceof LeaseWaitTimeout)) throw failure.reason;
      this.#logger.warn({ event: 'hold_refused', holder: request.holder, numbers: masked(request.numbers), waitSeconds: request.waitSeconds }, 'hold refused: the probe\'s own run on a number outlasted the wait');
      return giveUp({ status: 'busy', waitSeconds: request.waitSeconds });
    }
    // The probe's leases keep the default clock (systemClock), whose time is performance.now().
    const lastUse = Math.max(...leases.map((lease) => lease.previousReleaseAt ?? Number.NEGATIVE_INFINITY));
    const quietFor = lastUse + request.settleSeconds * 1000 - performance.now();
    if (quietFor > 0) {
      try {
        await delay(quietFor, undefined, { signal: this.#closing.signal });
      } catch {
        return giveUp({ status: 'stopping' });
      }
    }
    return leases;
  }

  #expiry(id: string, ttlSeconds: number): Pick<ActiveHold, 'expiresAtMs' | 'timer'> {
    // A hold is no reason to keep the process up: shutdown ends it anyway.
    const timer = setTimeout(() => this.#expire(id), ttlSeconds * 1000).unref();
    return { expiresAtMs: Date.now() + ttlSeconds * 1000, timer };
  }

  #expire(id: string): void {
    const hold = this.#end(id);
    if (hold === undefined) return;
    this.#logger.warn({ event: 'hold_expired', holdId: id, holder: hold.holder, numbers: masked(hold.numbers) }, `hold of ${hold.holder} expired without release or renewal`);
  }

  /** Ends the hold; its numbers stay held through its quiet gap. */
  #end(id: string): ActiveHold | undefined {
    const hold = this.#holds.get(id);
    if (hold === undefined) return undefined;
    this.#holds.delete(id);
    clearTimeout(hold.timer);
    if (hold.settleMs === 0 || this.#closing.signal.aborted) this.#free(hold);
    else this.#settling.set(hold, setTimeout(() => this.#free(hold), hold.settleMs).unref());
    return hold;
  }

  #free(hold: ActiveHold): void {
    this.#settling.delete(hold);
    for (const number of hold.numbers) this.#held.delete(number);
    for (const lease of hold.leases) lease.release();
    if (hold.settleMs > 0) this.#logger.info({ event: 'hold_settled', holdId: hold.id, numbers: masked(hold.numbers) }, `numbers of the hold of ${hold.holder} free again`);
  }
}

function tryAcquire(leases: NumberLeases, number: string): Promise<Lease> {
  const lease = leases.tryAcquire(number);
  return lease === undefined ? Promise.reject(new LeaseWaitTimeout(number, 0)) : Promise.resolve(lease);
}

function answer(hold: ActiveHold): HoldAnswer {
  return { id: hold.id, expiresAt: iso(hold.expiresAtMs) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function masked(numbers: readonly string[]): string[] {
  return numbers.map(maskNumber);
}
