// The delivery latency otp-canary reports, checked against what the sandbox really did, run by run, over
// a few hundred real journeys on loopback (see bench/truth.ts for how runs are matched to sends).

import { describe, expect, it } from 'vitest';
import { measureDeliveryTruth } from '../bench/truth.js';

const SHAPE = { numbers: 4, runsPerNumber: 80, delayMedianMs: 50, delayP95Ms: 200, seed: 3 };

describe('measurement truth', () => {
  it('measures webhook deliveries within 5 ms of the truth (median) and the p95 within 2 %', async () => {
    const truth = await measureDeliveryTruth({ ...SHAPE, inbox: { mode: 'webhook' } });

    expect(truth.runs).toBe(320);
    const figures = `median abs error ${truth.medianAbsErrorMs} ms, p95 measured ${truth.p95MeasuredMs} ms vs true ${truth.p95TrueMs} ms`;
    expect(truth.medianAbsErrorMs, figures).toBeLessThanOrEqual(5);
    expect(truth.p95RelativeError, figures).toBeLessThanOrEqual(0.02);
  }, 40_000);

  it('measures polled deliveries with an error bounded by the poll interval', async () => {
    // The config's default interval.
    const pollIntervalMs = 250;
    const truth = await measureDeliveryTruth({ ...SHAPE, inbox: { mode: 'poll', pollIntervalMs } });

    expect(truth.runs).toBe(320);
    expect(truth.maxAbsErrorMs).toBeLessThanOrEqual(pollIntervalMs);
  }, 40_000);
});
