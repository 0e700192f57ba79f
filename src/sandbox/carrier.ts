// The simulated carrier: decides what happens to each SMS (delivered, lost, undelivered, delivered
// twice) and when, from a log-normal delay, and schedules it. What "delivered" means is the world's
// business; the carrier only calls back at the applied moment.

import type { CarrierOptions } from './options.js';
import type { PendingWork } from './pending-work.js';
import { logNormal, uniform, type Random } from './random.js';

export type CarrierFate = 'delivered' | 'lost' | 'undelivered' | 'duplicated';

/** Twilio's "unreachable destination handset", the commonest undelivered code. */
export const UNDELIVERED_ERROR_CODE = '30003';

/** A duplicate arrives this fraction of a fresh delay draw after the first copy. */
const DUPLICATE_GAP_FRACTION = 0.1;

export interface CarrierHandlers {
  /** Called once per copy that reaches the handset (twice for a duplicated send). */
  delivered(copy: 1 | 2): void;
  undelivered(errorCode: string): void;
}

export interface CarrierPlan {
  readonly fate: CarrierFate;
  readonly delayMs: number;
}

export class Carrier {
  readonly #blockedPrefixes: readonly string[];

  constructor(
    private readonly options: CarrierOptions,
    private readonly random: Random,
    private readonly work: PendingWork,
  ) {
    this.#blockedPrefixes = options.blockedPrefixes.map(digitsOf);
  }

  /** Destinations the sender is not permitted to reach (geo permissions, short-code restrictions). */
  isBlocked(phone: string): boolean {
    const digits = digitsOf(phone);
    return this.#blockedPrefixes.some((prefix) => digits.startsWith(prefix));
  }

  /** Draws the fate and delay of one SMS and schedules the handlers; a lost SMS calls none. */
  carry(handlers: CarrierHandlers): CarrierPlan {
    // Every draw is always made, so a seed replays the same delays whatever the fate probabilities.
    const delayMs = this.#drawDelay();
    const duplicateGapMs = DUPLICATE_GAP_FRACTION * this.#drawDelay();
    const fate = this.#drawFate();
    switch (fate) {
      case 'lost':
        break;
      case 'undelivered':
        this.work.after(delayMs, () => handlers.undelivered(UNDELIVERED_ERROR_CODE));
        break;
      case 'duplicated':
        this.work.after(delayMs, () => handlers.delivered(1));
        this.work.after(delayMs + duplicateGapMs, () => handlers.delivered(2));
        break;
      case 'delivered':
        this.work.after(delayMs, () => handlers.delivered(1));
        break;
    }
    return { fate, delayMs };
  }

  #drawDelay(): number {
    return logNormal(this.random, this.options.delayMedianMs, this.options.delayP95Ms);
  }

  #drawFate(): CarrierFate {
    const { loss, undelivered, duplicates } = this.options;
    const u = uniform(this.random);
    if (u < loss) return 'lost';
    if (u < loss + undelivered) return 'undelivered';
    if (u < loss + undelivered + duplicates) return 'duplicated';
    return 'delivered';
  }
}

function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '');
}
