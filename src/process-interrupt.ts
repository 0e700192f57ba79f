// SIGINT and SIGTERM for the faces that own their process (the CLI's bin, the Action): the first aborts
// the work's AbortSignal with a ProcessInterrupt naming it, so runs in flight end as cancelled records
// and what finished is still reported; a second exits at once, with the code the signal itself gives.

import type { InterruptSignal } from './core/gate.js';

/** 128 + the signal's number: what a shell reports for a process the signal ended. */
export const INTERRUPTED_EXIT_CODES: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The abort reason a signal gives; runGate names the signal in the report's `incomplete`. */
export class ProcessInterrupt extends Error {
  override readonly name = 'ProcessInterrupt';
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}`);
  }
}

/** An AbortSignal that the process's first SIGINT or SIGTERM aborts; the second exits at once. */
export function abortOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  for (const signal of Object.keys(INTERRUPTED_EXIT_CODES) as InterruptSignal[]) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODES[signal]);
      controller.abort(new ProcessInterrupt(signal));
    });
  }
  return controller.signal;
}
