// The core's only timer. Waiting is unavoidable (stage deadlines, a control that must outlast a TTL),
// so it is injected: production uses the platform timer, tests a fake clock that advances on demand.

import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms`; rejects as soon as the signal aborts, so an abandoned wait holds no timer. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
};
