// One run per test number at a time. Two runs on one number would each see the other's SMS as their
// own (a code from the wrong send, a false `duplicate_sms`), so every journey and control holds the
// number's lease from its trigger to its last verify — whichever check it belongs to.

import { maskNumber } from './mask.js';
import { systemSleep, type Sleep } from './deadlines.js';

export interface Lease {
  readonly number: string;
  /** Hands the number to the next waiter, if any. Safe to call more than once. */
  release(): void;
}

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

export interface NumberLeasesOptions {
  /** Times `waitMs`; injected so tests can run on a fake clock. */
  readonly sleep?: Sleep;
}

export class NumberLeases {
  /** A number is held exactly when it has an entry; the entry lists its waiters, first come first. */
  readonly #waiters = new Map<string, Array<(lease: Lease) => void>>();
  readonly #sleep: Sleep;

  constructor(options: NumberLeasesOptions = {}) {
    this.#sleep = options.sleep ?? systemSleep;
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
    return {
      number,
      release: () => {
        if (released) return;
        released = true;
        this.#handOver(number);
      },
    };
  }

  #handOver(number: string): void {
    const next = this.#waiters.get(number)?.shift();
    if (next) next(this.#leaseOf(number));
    else this.#waiters.delete(number);
  }
}

/** The leases every run in this process shares unless it is given its own set. */
export const processLeases = new NumberLeases();
