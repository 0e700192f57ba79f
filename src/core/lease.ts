// One run per test number at a time. Two runs on one number would each see the other's SMS as their
// own (a code from the wrong send, a false `duplicate_sms`), so every journey and control holds the
// number's lease from its trigger to its last verify — whichever check it belongs to.
// The leases also remember, per number, the codes recent holders used: a carrier can deliver a second
// copy of an SMS after the next run's trigger, and only that memory tells it apart from the run's own.
// And they remember when each number was last released: a message that reached it after that and
// before the next trigger arrived while no run was waiting for it (see Lease.previousReleaseAt).
// And the sends whose SMS never reached their run: until it lands or dies, it can land in the next
// run, so the next holder waits for it first and retires its code (see Lease.outstanding).

import { maskNumber } from './mask.js';
import { systemSleep, type Sleep } from './deadlines.js';
import { systemClock, type Clock } from './providers.js';

export interface Lease {
  readonly number: string;
  /**
   * Codes that holders of the number read from an SMS and submitted, this one included (the most
   * recent, see CodeMemory). A message carrying one is a late copy of a spent SMS.
   */
  readonly usedCodes: ReadonlySet<string>;
  /**
   * Monotonic time (the leases' clock) the previous holder released the number; undefined for its first
   * holder in this process. The release, not the previous run's receipt of its SMS: every run releases,
   * failed ones included, and until then messages to the number fell in that run's window (its SMS, its
   * duplicates). One landing after the release and before this holder's trigger arrived while no run
   * was waiting for it — a late SMS, a resend, someone else texting the number.
   */
  readonly previousReleaseAt: number | undefined;
  /**
   * Sends to the number, by this holder or earlier ones, whose SMS never reached their run and may still
   * land: not yet past its TTL, oldest first. Each is a message the holder must not take for its own.
   */
  readonly outstanding: readonly OutstandingSend[];
  /** Monotonic time (the leases' clock) a holder last asked for a send to the number; undefined before the first. */
  readonly lastSentAt: number | undefined;
  /**
   * Remembers a code read from an SMS to the number that is spent or about to be (submitted by a run,
   * read past its TTL, or handed to a waitForOtp caller), for the holders after it.
   */
  markUsed(code: string): void;
  /** Remembers that this holder asked for a send to the number now, so the next keeps to the resend window. */
  noteSend(): void;
  /** Remembers a send of this holder's whose SMS never reached it, for the holders after it. */
  leaveOutstanding(send: OutstandingSend): void;
  /**
   * After a holder waited for the outstanding sends: the oldest `landed` of them landed (their codes
   * retired) and are forgotten; the rest are kept in mind as awaited, so no later holder waits again.
   */
  settleOutstanding(landed: number): void;
  /** Hands the number to the next waiter, if any. Safe to call more than once. */
  release(): void;
}

/** A send whose SMS never reached its run (see Lease.outstanding). */
export interface OutstandingSend {
  /** Monotonic time (the leases' clock) the send request went out: its SMS lands after it. */
  readonly sentAt: number;
  /** The same instant on the wall clock, for inboxes that filter by date. */
  readonly sentAtWall: Date;
  /** When its code dies (sentAt + the policy's TTL): a copy landing later carries a dead code. */
  readonly expiresAt: number;
  /** A holder already waited for it; later ones only keep it in mind. */
  readonly awaited?: boolean;
}

/** Outstanding sends kept per number: runs that lose their SMS one after another are few before someone looks. */
const MAX_OUTSTANDING = 8;

export interface AcquireOptions {
  /** Gives up waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal;
  /** Gives up waiting after this long, rejecting with LeaseWaitTimeout. */
  readonly waitMs?: number;
}

export class LeaseWaitTimeout extends Error {
  override readonly name = 'LeaseWaitTimeout';
  constructor(
    readonly number: string,
    readonly waitMs: number,
  ) {
    super(`the number ${maskNumber(number)} stayed busy with another run for ${waitMs} ms`);
  }
}

/** How much of the used codes each number keeps: in memory only, never logged. */
export interface CodeMemory {
  /** Codes kept per number; the oldest are forgotten first. */
  readonly codes: number;
  /** A code is forgotten this long after it was used. */
  readonly forMs: number;
}

/**
 * Late copies land within minutes, a run or two later, so a few codes suffice; keeping more only
 * raises the odds that a fresh code equals a remembered one and is passed over (`codes` in the
 * code space: 8 in a million for six digits, 8 in ten thousand for four).
 */
export const DEFAULT_CODE_MEMORY: CodeMemory = { codes: 8, forMs: 10 * 60_000 };

export interface NumberLeasesOptions {
  /** Times `waitMs`; injected so tests can run on a fake clock. */
  readonly sleep?: Sleep;
  /**
   * Dates the used codes, for `memory.forMs`, and the releases; follows the same time as `sleep` and as
   * the runs' clock, since runs compare the release time with their own.
   */
  readonly clock?: Clock;
  readonly memory?: CodeMemory;
}

interface UsedCode {
  readonly code: string;
  readonly at: number;
}

export class NumberLeases {
  /** A number is held exactly when it has an entry; the entry lists its waiters, first come first. */
  readonly #waiters = new Map<string, Array<(lease: Lease) => void>>();
  /** Per number, the codes its holders used, oldest first. */
  readonly #used = new Map<string, UsedCode[]>();
  /** Per number, the monotonic time its last holder released it. */
  readonly #releasedAt = new Map<string, number>();
  /** Per number, the sends whose SMS never reached their run, oldest first. */
  readonly #outstanding = new Map<string, OutstandingSend[]>();
  /** Per number, the monotonic time a holder last asked for a send. */
  readonly #sentAt = new Map<string, number>();
  readonly #sleep: Sleep;
  readonly #clock: Clock;
  readonly #memory: CodeMemory;

  constructor(options: NumberLeasesOptions = {}) {
    this.#sleep = options.sleep ?? systemSleep;
    this.#clock = options.clock ?? systemClock;
    this.#memory = options.memory ?? DEFAULT_CODE_MEMORY;
    const { codes, forMs } = this.#memory;
    if (!Number.isInteger(codes) || codes < 0) throw new RangeError(`NumberLeases: memory.codes must be a whole number of codes, got ${codes}`);
    if (!(forMs >= 0)) throw new RangeError(`NumberLeases: memory.forMs must be a duration in milliseconds, got ${forMs}`);
  }

  isHeld(number: string): boolean {
    return this.#waiters.has(number);
  }

  /** The lease if the number is free now; undefined when busy (the probe counts that as a `number_busy` skip). */
  tryAcquire(number: string): Lease | undefined {
    return this.#waiters.has(number) ? undefined : this.#take(number);
  }

  /** Waits in line (FIFO) for the number. */
  acquire(number: string, options: AcquireOptions = {}): Promise<Lease> {
    const { signal, waitMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const queue = this.#waiters.get(number);
    if (queue === undefined) return Promise.resolve(this.#take(number));

    return new Promise<Lease>((resolve, reject) => {
      const timer = new AbortController();
      let settled = false;
      const settle = () => {
        settled = true;
        timer.abort();
        signal?.removeEventListener('abort', onAbort);
      };
      const grant = (lease: Lease) => {
        settle();
        resolve(lease);
      };
      const giveUp = (reason: unknown) => {
        if (settled) return;
        settle();
        queue.splice(queue.indexOf(grant), 1);
        reject(reason);
      };
      const onAbort = () => giveUp(signal?.reason);

      queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (waitMs !== undefined) {
        this.#sleep(waitMs, timer.signal).then(
          () => giveUp(new LeaseWaitTimeout(number, waitMs)),
          () => {},
        );
      }
    });
  }

  #take(number: string): Lease {
    this.#waiters.set(number, []);
    return this.#leaseOf(number);
  }

  #leaseOf(number: string): Lease {
    let released = false;
    const recentlyUsed = () => new Set(this.#recentlyUsed(number).map((used) => used.code));
    const stillOutstanding = () => this.#stillOutstanding(number);
    const lastSentAt = () => this.#sentAt.get(number);
    return {
      number,
      // Read afresh, so a holder that runs several journeys (a series of controls) sees its own spent codes.
      get usedCodes() {
        return recentlyUsed();
      },
      get outstanding() {
        return stillOutstanding();
      },
      get lastSentAt() {
        return lastSentAt();
      },
      previousReleaseAt: this.#releasedAt.get(number),
      markUsed: (code) => this.#markUsed(number, code),
      noteSend: () => void this.#sentAt.set(number, this.#clock.now()),
      leaveOutstanding: (send) => {
        const kept = [...this.#stillOutstanding(number), send];
        this.#outstanding.set(number, kept.slice(Math.max(0, kept.length - MAX_OUTSTANDING)));
      },
      settleOutstanding: (landed) => {
        const left = stillOutstanding().slice(landed);
        if (left.length === 0) this.#outstanding.delete(number);
        else this.#outstanding.set(number, left.map((send) => ({ ...send, awaited: true })));
      },
      release: () => {
        if (released) return;
        released = true;
        this.#releasedAt.set(number, this.#clock.now());
        this.#handOver(number);
      },
    };
  }

  #handOver(number: string): void {
    const next = this.#waiters.get(number)?.shift();
    if (next) next(this.#leaseOf(number));
    else this.#waiters.delete(number);
  }

  /** The number's used codes still within `memory.forMs`; forgets the others. */
  #recentlyUsed(number: string): UsedCode[] {
    const oldest = this.#clock.now() - this.#memory.forMs;
    const kept = (this.#used.get(number) ?? []).filter((used) => used.at > oldest);
    if (kept.length === 0) this.#used.delete(number);
    else this.#used.set(number, kept);
    return kept;
  }

  /** The number's outstanding sends whose code still lives; forgets the others. */
  #stillOutstanding(number: string): OutstandingSend[] {
    const now = this.#clock.now();
    const kept = (this.#outstanding.get(number) ?? []).filter((send) => send.expiresAt > now);
    if (kept.length === 0) this.#outstanding.delete(number);
    else this.#outstanding.set(number, kept);
    return kept;
  }

  #markUsed(number: string, code: string): void {
    const kept = [...this.#recentlyUsed(number).filter((used) => used.code !== code), { code, at: this.#clock.now() }];
    this.#used.set(number, kept.slice(Math.max(0, kept.length - this.#memory.codes)));
  }
}

/** The leases every run in this process shares unless it is given its own set. */
export const processLeases = new NumberLeases();

/** How a run comes by its number: a lease its caller already holds, or a set of leases to wait in line in. */
export interface LeaseSource {
  /** Shared by every run that may use the same numbers; defaults to the process-wide set. */
  readonly leases?: NumberLeases;
  /**
   * A lease on the run's number that the caller already holds (the probe holds a number around a run):
   * the run uses it, with the memory it carries, and leaves its release to the caller.
   */
  readonly lease?: Lease;
}

/** A run's lease, and how the run gives it back. */
export interface HeldLease {
  readonly lease: Lease;
  readonly release: () => void;
}

/** The run's lease: only a lease the run took itself is released by it. */
export async function leaseFor(number: string, source: LeaseSource, options: AcquireOptions): Promise<HeldLease> {
  if (source.lease !== undefined) {
    if (source.lease.number !== number) throw new RangeError(`the lease given is for another number than ${maskNumber(number)}`);
    return { lease: source.lease, release: () => {} };
  }
  const lease = await (source.leases ?? processLeases).acquire(number, options);
  return { lease, release: () => lease.release() };
}
