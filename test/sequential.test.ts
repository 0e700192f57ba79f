import { describe, expect, it } from 'vitest';
import { createSequentialGate, designSprt, fixedSampleTest, simulateSprt } from '../src/core/sequential.js';

/** mulberry32: a small seeded generator, so simulated error rates are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function binomialTail(n: number, p: number, from: number, to: number): number {
  let logChoose = 0;
  let total = 0;
  for (let k = 0; k <= n; k += 1) {
    if (k > 0) logChoose += Math.log((n - k + 1) / k);
    if (k >= from && k <= to) total += Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
  }
  return total;
}

const GATE = { minSuccessRate: 0.95, maxSamples: 1000 };

describe('designSprt', () => {
  it('puts p0 and p1 half the failure budget either side of the threshold, with Wald bounds ±ln 19 at α = β = 0.05', () => {
    const design = designSprt(GATE);
    expect(design.p0).toBeCloseTo(0.925, 12);
    expect(design.p1).toBeCloseTo(0.975, 12);
    expect(design.upperBound).toBeCloseTo(Math.log(19), 12);
    expect(design.lowerBound).toBeCloseTo(-Math.log(19), 12);
  });

  it('caps p1 halfway between the threshold and 1 when the indifference would reach past 1', () => {
    const design = designSprt({ minSuccessRate: 0.99, indifference: 0.05, maxSamples: 100 });
    expect(design.p0).toBeCloseTo(0.94, 12);
    expect(design.p1).toBeCloseTo(0.995, 12);
  });

  it('rejects an indifference that would push p0 to 0 or below', () => {
    expect(() => designSprt({ minSuccessRate: 0.3, indifference: 0.3, maxSamples: 10 })).toThrow(
      'indifference must be positive and below minSuccessRate (0.3), got 0.3',
    );
  });

  it('rejects error rates of 0.5 or more', () => {
    expect(() => designSprt({ ...GATE, alpha: 0.5 })).toThrow('alpha must be strictly between 0 and 0.5, got 0.5');
  });
});

describe('createSequentialGate', () => {
  it('passes a flawless target after 56 runs, the first at which ln(p1/p0) · n reaches ln 19', () => {
    const gate = createSequentialGate(GATE);
    for (let i = 0; i < 55; i += 1) gate.observe(true);
    expect(gate.decision()).toBe('continue');
    gate.observe(true);
    expect(gate.snapshot()).toMatchObject({ decision: 'pass', decidedBy: 'sprt', samples: 56, successes: 56 });
    expect(gate.snapshot().logLikelihoodRatio).toBeGreaterThanOrEqual(Math.log(19));
  });

  it('fails a target at 70% within a few dozen runs, far from the cap', () => {
    const gate = createSequentialGate(GATE);
    const random = seededRandom(7);
    while (gate.decision() === 'continue') gate.observe(random() < 0.7);
    expect(gate.snapshot()).toMatchObject({ decision: 'fail', decidedBy: 'sprt' });
    expect(gate.snapshot().samples).toBeLessThan(40);
  });

  it('falls back to the observed rate against the threshold when maxSamples is reached undecided', () => {
    const gate = createSequentialGate({ minSuccessRate: 0.95, maxSamples: 20 });
    for (let i = 0; i < 19; i += 1) gate.observe(true);
    gate.observe(false);
    expect(gate.snapshot()).toMatchObject({ decision: 'pass', decidedBy: 'max_samples', samples: 20, successes: 19 });
  });

  it('refuses further runs once decided, since they would void its error rates', () => {
    const gate = createSequentialGate({ minSuccessRate: 0.95, maxSamples: 1 });
    gate.observe(false);
    expect(() => gate.observe(true)).toThrow('the sequential test already decided "fail" after 1 runs');
  });
});

describe('simulateSprt', () => {
  const trials = 2000;

  it('passes a target at p0 no more often than α, within sampling tolerance', () => {
    const result = simulateSprt(0.925, GATE, trials, seededRandom(1));
    expect(result.passRate).toBeLessThanOrEqual(0.05 + 0.015);
    expect(result.truncatedRate).toBe(0);
  });

  it('fails a target at p1 no more often than β, within sampling tolerance', () => {
    const result = simulateSprt(0.975, GATE, trials, seededRandom(2));
    expect(result.failRate).toBeLessThanOrEqual(0.05 + 0.015);
  });

  it('spends fewer SMS on average than the fixed-N test with the same error rates', () => {
    const atP0 = simulateSprt(0.925, GATE, trials, seededRandom(3));
    const atP99 = simulateSprt(0.99, GATE, trials, seededRandom(4));
    expect(atP0.fixed.samples).toBe(206);
    expect(atP0.meanSamples).toBeLessThan(0.6 * atP0.fixed.samples);
    expect(atP99.meanSamples).toBeLessThan(0.4 * atP99.fixed.samples);
    expect(atP99.passRate).toBeGreaterThan(0.99);
  });
});

describe('fixedSampleTest', () => {
  it('finds 7 of 9 as the smallest test separating 0.5 from 0.9 at α = β = 0.1', () => {
    expect(fixedSampleTest({ p0: 0.5, p1: 0.9, alpha: 0.1, beta: 0.1 })).toEqual({ samples: 9, minSuccesses: 7 });
    expect(binomialTail(9, 0.5, 7, 9)).toBeCloseTo(46 / 512, 12);
  });

  it('meets both error rates exactly, by the binomial tails, for the default 0.95 design', () => {
    const design = designSprt(GATE);
    const { samples, minSuccesses } = fixedSampleTest(design);
    expect({ samples, minSuccesses }).toEqual({ samples: 206, minSuccesses: 197 });
    expect(binomialTail(samples, design.p0, minSuccesses, samples)).toBeLessThanOrEqual(0.05);
    expect(binomialTail(samples, design.p1, 0, minSuccesses - 1)).toBeLessThanOrEqual(0.05);
  });
});
