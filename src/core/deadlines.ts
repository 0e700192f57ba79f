// Cancellation and deadlines for provider work. Waiting is unavoidable (stage deadlines, a control that
// must outlast a TTL), so the one timer is injected: production uses the platform's, tests a fake
// clock that advances on demand.

import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms`; rejects as soon as the signal aborts, so an abandoned wait holds no timer. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
};

/** Why we cut a call short, as opposed to an answer from the far side. */
export class Interruption extends Error {
  override readonly name = 'Interruption';
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'finished',
    message: string,
  ) {
    super(message);
  }
}

/** A unit of provider work: aborted when its parent is, when its deadline passes, or when closed. */
export class Scope {
  readonly #controller = new AbortController();
  readonly #detach: () => void;

  constructor(parent?: AbortSignal, translate: (reason: unknown) => unknown = (reason) => reason) {
    const forward = () => this.#controller.abort(translate(parent?.reason));
    if (parent?.aborted) forward();
    else parent?.addEventListener('abort', forward, { once: true });
    this.#detach = () => parent?.removeEventListener('abort', forward);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  abort(reason: Interruption): void {
    this.#controller.abort(reason);
  }

  /** Aborts whatever still runs under it: the work is over. */
  close(): void {
    this.#detach();
    this.abort(new Interruption('finished', 'the step is over'));
  }
}

/** The root scope of a run: the caller's abort becomes a cancellation, whatever reason it gave. */
export function cancellable(signal: AbortSignal | undefined): Scope {
  return new Scope(signal, (reason) => new Interruption('cancelled', reason instanceof Error ? reason.message : String(reason)));
}

/** Aborts `scope` after `ms`; the returned function disarms the deadline. */
export function arm(scope: Scope, ms: number, sleep: Sleep, reason: () => Interruption): () => void {
  const timer = new AbortController();
  sleep(ms, timer.signal).then(
    () => {
      if (!timer.signal.aborted) scope.abort(reason());
    },
    () => {},
  );
  return () => timer.abort();
}

/**
 * Runs `work` under `scope` until it settles, the scope aborts, or `limitMs` passes — whether or not
 * the work heeds its signal. After an abort the error is the abort's reason (an Interruption), whatever
 * error the work surfaced for it.
 */
export async function within<T>(scope: Scope, limitMs: number, sleep: Sleep, onTimeout: () => Interruption, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  scope.signal.throwIfAborted();
  const disarm = arm(scope, limitMs, sleep, onTimeout);
  try {
    return await Promise.race([work(scope.signal), rejectedOnAbort(scope.signal)]);
  } catch (error) {
    throw scope.signal.aborted ? scope.signal.reason : error;
  } finally {
    disarm();
  }
}

function rejectedOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

