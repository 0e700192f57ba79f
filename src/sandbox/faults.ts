// Faults on demand, per endpoint group. `slow` may combine with an answer (a slow 200, a slow 503);
// the others replace the answer, so one draw picks at most one of them.

import type { EndpointGroup } from './ground-truth.js';
import type { FaultOptions } from './options.js';
import { applyFaultOverrides } from './overrides.js';
import { uniform, type Random } from './random.js';

export type AnswerFault = 'error' | 'rateLimit' | 'reset' | 'malformed';

export interface FaultPlan {
  /** Hold the answer back by this long first (0: not slow). */
  readonly holdMs: number;
  readonly answer: AnswerFault | null;
}

export class FaultInjector {
  #options: FaultOptions;

  constructor(
    initial: FaultOptions,
    private readonly random: Random,
  ) {
    this.#options = initial;
  }

  get options(): FaultOptions {
    return this.#options;
  }

  /** Merges a partial change into the current faults; throws naming a bad field. */
  update(overrides: unknown): FaultOptions {
    this.#options = applyFaultOverrides(this.#options, overrides);
    return this.#options;
  }

  plan(group: EndpointGroup): FaultPlan {
    const rates = this.#options[group];
    // Two draws every time, so a seed replays the same plans whatever the rates.
    const slowDraw = uniform(this.random);
    const answerDraw = uniform(this.random);
    return { holdMs: slowDraw < rates.slow ? this.#options.slowMs : 0, answer: pickAnswerFault(rates, answerDraw) };
  }

  /** True for a fault that answers with an unparseable body rather than wrong-shaped JSON. */
  malformedAsText(): boolean {
    return uniform(this.random) < 0.5;
  }
}

function pickAnswerFault(rates: FaultOptions[EndpointGroup], draw: number): AnswerFault | null {
  let threshold = 0;
  for (const kind of ['error', 'rateLimit', 'reset', 'malformed'] as const) {
    threshold += rates[kind];
    if (draw < threshold) return kind;
  }
  return null;
}
