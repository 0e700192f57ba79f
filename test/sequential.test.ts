import { describe, expect, it } from 'vitest';
import { CapTooSmallError, createSequentialGate, designSprt, fixedSampleTest, operatingCharacteristic, simulateSprt } from '../src/core/sequential.js';

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

/** The Action's default use: capped at the fixed-N test's size, 206 runs at 0.95. */
const GATE = { minSuccessRate: 0.95, maxSamples: 206 };

describe('designSprt', () => {
  it('puts p0 and p1 half the failure budget either side of the threshold', () => {
    const design = designSprt(GATE);
    expect(design.p0).toBeCloseTo(0.925, 12);
    expect(design.p1).toBeCloseTo(0.975, 12);
  });

  it("keeps Wald's bounds ±ln 19 when the cap is far enough that truncation costs nothing", () => {
    const design = designSprt({ minSuccessRate: 0.95, maxSamples: 400 });
    expect(design.upperBound).toBeCloseTo(Math.log(19), 12);
    expect(design.lowerBound).toBeCloseTo(-Math.log(19), 12);
    expect(design.atP0.pass).toBeLessThanOrEqual(0.05);
  });

  it("widens Wald's bounds when the cap would otherwise break the error rates", () => {
    const design = designSprt(GATE);
    expect(design.upperBound).toBeGreaterThan(Math.log(19));
    expect(design.lowerBound).toBeLessThanOrEqual(-Math.log(19));
    expect(design.upperBound).toBeCloseTo(design.upperScale * Math.log(19), 12);
  });

  it.each([
    [0.9, 93],
    [0.95, 206],
    [0.99, 1044],
  ])('holds P(pass | p0) ≤ α and P(fail | p1) ≤ β exactly at minSuccessRate %s, capped at the fixed-N size %s', (minSuccessRate, cap) => {
    const design = designSprt({ minSuccessRate, maxSamples: cap });
    expect(fixedSampleTest(design).samples).toBe(cap);
    expect(design.maxSamples).toBe(cap);
    expect(operatingCharacteristic(design, design.p0).pass).toBeLessThanOrEqual(0.05);
    expect(operatingCharacteristic(design, design.p1).fail).toBeLessThanOrEqual(0.05);
  });

  it('holds the error rates at other α and β and a larger cap', () => {
    const design = designSprt({ minSuccessRate: 0.9, alpha: 0.01, beta: 0.1, maxSamples: 300 });
    expect(design.atP0.pass).toBeLessThanOrEqual(0.01);
    expect(design.atP1.fail).toBeLessThanOrEqual(0.1);
  });

  it('reports in the design the same exact figures the dynamic programme gives', () => {
    const design = designSprt(GATE);
    expect(operatingCharacteristic(design, design.p0)).toEqual(design.atP0);
    expect(operatingCharacteristic(design, design.p1)).toEqual(design.atP1);
  });

  it.each([
    [0.9, 50, 93, 92],
    [0.95, 50, 206, 190],
    [0.99, 50, 1044, 1013],
  ])('refuses minSuccessRate %s capped at %s runs, naming %s, a cap that holds both error rates', (minSuccessRate, cap, needed, floor) => {
    const refusal = (() => {
      try {
        designSprt({ minSuccessRate, maxSamples: cap });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(CapTooSmallError);
    expect(refusal).toMatchObject({
      maxSamples: cap,
      fixedSamples: needed,
      floor,
      message:
        `maxSamples ${cap} is too small to hold α = 0.05 and β = 0.05 at minSuccessRate ${minSuccessRate}: ` +
        `set it to at least ${needed}, the fixed-N test's size (no test of any kind can with a cap below ${floor})`,
    });
  });

  it('takes the largest cap below maxSamples that holds the error rates when maxSamples itself does not', () => {
    const design = designSprt({ minSuccessRate: 0.9, maxSamples: 99 });
    expect(design.maxSamples).toBe(97);
    expect(design.atP0.pass).toBeLessThanOrEqual(0.05);
    expect(design.atP1.fail).toBeLessThanOrEqual(0.05);
  });

  it('caps p1 halfway between the threshold and 1 when the indifference would reach past 1', () => {
    const design = designSprt({ minSuccessRate: 0.99, indifference: 0.05, maxSamples: 200 });
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
  it('passes a flawless target after 79 runs, well before the cap of 206, the first at which n · ln(p1/p0) reaches the upper bound', () => {
    const gate = createSequentialGate(GATE);
    const { upperBound, p0, p1 } = gate.snapshot().design;
    expect(Math.ceil(upperBound / Math.log(p1 / p0))).toBe(79);
    for (let i = 0; i < 78; i += 1) gate.observe(true);
    expect(gate.decision()).toBe('continue');
    gate.observe(true);
    expect(gate.snapshot()).toMatchObject({ decision: 'pass', decidedBy: 'sprt', samples: 79, successes: 79 });
  });

  it('fails a target at 70% within a few dozen runs, far from the cap', () => {
    const gate = createSequentialGate(GATE);
    const random = seededRandom(7);
    while (gate.decision() === 'continue') gate.observe(random() < 0.7);
    expect(gate.snapshot()).toMatchObject({ decision: 'fail', decidedBy: 'sprt' });
    expect(gate.snapshot().samples).toBeLessThan(40);
  });

  it("decides an undecided test at the cap by the design's cut-off, not by the observed rate against the threshold", () => {
    const gate = createSequentialGate(GATE);
    expect(gate.snapshot().design.capMinSuccesses).toBe(197);
    // 10 failures spread one per 20 runs keep the ratio between the bounds; 196/206 = 0.951 meets 0.95 but not the cut-off.
    for (let run = 0; run < 206; run += 1) gate.observe(!(run < 200 && run % 20 === 10));
    expect(gate.snapshot()).toMatchObject({ decision: 'fail', decidedBy: 'max_samples', samples: 206, successes: 196 });
  });

  it('throws a RangeError before any run when the cap cannot hold the error rates', () => {
    expect(() => createSequentialGate({ minSuccessRate: 0.95, maxSamples: 20 })).toThrow(RangeError);
  });

  it('refuses further runs once decided, since they would void its error rates', () => {
    const gate = createSequentialGate(GATE);
    while (gate.decision() === 'continue') gate.observe(false);
    expect(() => gate.observe(true)).toThrow(`the sequential test already decided "fail" after ${gate.snapshot().samples} runs`);
  });
});

describe('operatingCharacteristic', () => {
  const trials = 2000;
  const design = designSprt(GATE);

  it.each([0.925, 0.95, 0.975])('agrees with a seeded simulation of the gate at p = %s within sampling error', (p) => {
    const exact = operatingCharacteristic(design, p);
    const simulated = simulateSprt(p, design, trials, seededRandom(Math.round(p * 1000)));
    // Four standard errors: a binomial proportion's, and for the runs the largest spread a cap of 206 allows.
    expect(Math.abs(simulated.passRate - exact.pass)).toBeLessThan(4 * Math.sqrt((exact.pass * exact.fail) / trials));
    expect(Math.abs(simulated.meanSamples - exact.expectedSamples)).toBeLessThan(4 * (GATE.maxSamples / 2 / Math.sqrt(trials)));
    expect(Math.abs(simulated.truncatedRate - exact.reachesCap)).toBeLessThan(4 * Math.sqrt((exact.reachesCap * (1 - exact.reachesCap)) / trials) + 1e-9);
  });

  it('spends far fewer SMS on average than the fixed-N test with the same error rates', () => {
    expect(fixedSampleTest(design).samples).toBe(206);
    expect(operatingCharacteristic(design, 0.925).expectedSamples).toBeLessThan(0.6 * 206);
    expect(operatingCharacteristic(design, 0.7).expectedSamples).toBeLessThan(0.1 * 206);
    expect(operatingCharacteristic(design, 1).expectedSamples).toBeLessThan(0.4 * 206);
  });

  it('passes a target at 0.99 almost surely', () => {
    expect(operatingCharacteristic(design, 0.99).pass).toBeGreaterThan(0.99);
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
