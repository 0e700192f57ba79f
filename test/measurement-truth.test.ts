// The delivery latency otp-canary reports, checked against what the sandbox really did, run by run, over
// a few hundred real journeys on loopback (see bench/truth.ts for how runs are matched to sends).

import { describe, expect, it } from 'vitest';
import { measureDeliveryTruth } from '../bench/truth.js';

const SHAPE = { numbers: 4, runsPerNumber: 80, delayMedianMs: 50, delayP95Ms: 200, seed: 3 };

describe('measurement truth', () => {
  it('measures webhook deliveries within 5 ms of the truth (median) and the p95 within 2 %', async () => {
    const truth = await measureDeliveryTruth({ ...SHAPE, inbox: { mode: 'webhook' } });

    expect(truth.runs).toBe(320);
    expect(truth.medianAbsErrorMs).toBeLessThanOrEqual(5);
    expect(truth.p95RelativeError).toBeLessThanOrEqual(0.02);
  }, 40_000);

  it('measures polled deliveries with an error bounded by the poll interval', async () => {
    // The config's default interval.
    const pollIntervalMs = 250;
    const truth = await measureDeliveryTruth({ ...SHAPE, inbox: { mode: 'poll', pollIntervalMs } });

    expect(truth.runs).toBe(320);
    expect(truth.maxAbsErrorMs).toBeLessThanOrEqual(pollIntervalMs);
  }, 40_000);
});
