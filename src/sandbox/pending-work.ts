// Everything the sandbox does after an HTTP answer has gone out (scheduled deliveries, status callbacks,
// webhook pushes) is registered here, so close() can cancel it all and tests can await quiescence
// instead of sleeping.

export class PendingWork {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #idleWaiters: (() => void)[] = [];

  /** Aborted by close(): outgoing requests and long-polls listen to it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Runs `fn` after `ms`, unless close() comes first. */
  after(ms: number, fn: () => void): void {
    if (this.signal.aborted) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        fn();
      } finally {
        this.#settleIdle();
      }
    }, ms);
    this.#timers.add(timer);
  }

  /** Keeps `task` in view until it settles. It must not reject: callers record their own failures. */
  track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    void task.finally(() => {
      this.#tasks.delete(task);
      this.#settleIdle();
    });
  }

  /** Resolves once nothing is scheduled or in flight. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Cancels everything scheduled but not yet run (POST /_sandbox/reset); in-flight work carries on. */
  cancelScheduled(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#settleIdle();
  }

  /** Cancels timers, aborts in-flight work and waits for it to wind down. */
  async close(): Promise<void> {
    this.cancelScheduled();
    this.#abort.abort(new Error('sandbox closed'));
    await Promise.allSettled([...this.#tasks]);
    this.#settleIdle();
  }

  #isIdle(): boolean {
    return this.#timers.size === 0 && this.#tasks.size === 0;
  }

  #settleIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Wakes long-polls whenever the state they wait on may have changed. */
export class ChangeFeed {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Returns the first value `read` yields, re-reading after each notify, or undefined once `waitMs`
   * has passed or `signal` aborted.
   */
  async poll<T>(read: () => T | undefined, waitMs: number, signal: AbortSignal): Promise<T | undefined> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const value = read();
      if (value !== undefined) return value;
      const remaining = deadline - performance.now();
      if (remaining <= 0 || signal.aborted) return undefined;
      await this.#next(remaining, signal);
    }
  }

  #next(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      signal.addEventListener('abort', wake, { once: true });
      this.#waiters.add(wake);
    });
  }
}
