import { describe, expect, it } from 'vitest';
import {
  inverseNormalCdf,
  nearestRankPercentile,
  requiredConsecutiveSuccesses,
  twoSidedZ,
  wilsonInterval,
} from '../src/core/stats.js';

const Z95 = 1.959963984540054;

describe('wilsonInterval', () => {
  it('gives [0.640, 0.948] for 17 successes out of 20 at 95%', () => {
    const { lower, upper, center } = wilsonInterval(17, 20);
    expect(lower).toBeCloseTo(0.6396, 4);
    expect(upper).toBeCloseTo(0.9476, 4);
    expect(center).toBeCloseTo((17 + Z95 ** 2 / 2) / (20 + Z95 ** 2), 12);
  });

  it('is the whole of [0, 1] when there are no runs', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1, center: 0.5 });
  });

  it('has lower bound exactly 0 and upper bound z²/(n + z²) when nothing succeeded', () => {
    expect(wilsonInterval(0, 10)).toEqual({ lower: 0, upper: expect.closeTo(Z95 ** 2 / (10 + Z95 ** 2), 12), center: expect.any(Number) });
  });

  it('has upper bound exactly 1 and lower bound n/(n + z²) when everything succeeded', () => {
    const { lower, upper } = wilsonInterval(20, 20);
    expect(upper).toBe(1);
    expect(lower).toBeCloseTo(20 / (20 + Z95 ** 2), 12);
    expect(lower).toBeCloseTo(0.8389, 4);
  });

  it('widens with the confidence level', () => {
    const at95 = wilsonInterval(17, 20, 0.95);
    const at99 = wilsonInterval(17, 20, 0.99);
    expect(at99.lower).toBeLessThan(at95.lower);
    expect(at99.upper).toBeGreaterThan(at95.upper);
  });

  it('rejects more successes than runs, naming both', () => {
    expect(() => wilsonInterval(21, 20)).toThrow('successes must be an integer between 0 and n (20), got 21');
  });
});

describe('nearestRankPercentile', () => {
  const values = [50, 15, 40, 20, 35];

  it('returns the ⌈p/100 · N⌉-th smallest value', () => {
    expect(nearestRankPercentile(values, 30)).toBe(20);
    expect(nearestRankPercentile(values, 40)).toBe(20);
    expect(nearestRankPercentile(values, 50)).toBe(35);
    expect(nearestRankPercentile(values, 95)).toBe(50);
  });

  it('returns the smallest value at p = 0 and the largest at p = 100', () => {
    expect(nearestRankPercentile(values, 0)).toBe(15);
    expect(nearestRankPercentile(values, 100)).toBe(50);
  });

  it('is the 19th of 20 values at p95, not an interpolation', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(nearestRankPercentile(twenty, 95)).toBe(19);
  });

  it('is undefined for no values', () => {
    expect(nearestRankPercentile([], 50)).toBeUndefined();
  });

  it('leaves its input unsorted', () => {
    nearestRankPercentile(values, 50);
    expect(values).toEqual([50, 15, 40, 20, 35]);
  });
});

describe('requiredConsecutiveSuccesses', () => {
  it('needs 73 flawless runs to show ≥ 0.95 with the 95% Wilson lower bound', () => {
    expect(requiredConsecutiveSuccesses(0.95)).toBe(73);
    expect(wilsonInterval(72, 72).lower).toBeLessThan(0.95);
    expect(wilsonInterval(73, 73).lower).toBeGreaterThanOrEqual(0.95);
  });

  it('is not the 59 of the one-sided exact success-run rule, which the two-sided Wilson bound does not reach', () => {
    expect(1 - 0.95 ** 59).toBeGreaterThan(0.95);
    expect(wilsonInterval(59, 59).lower).toBeLessThan(0.95);
  });

  it('equals ⌈minRate · z² / (1 − minRate)⌉ across thresholds and confidence levels', () => {
    for (const [minRate, confidence] of [[0.9, 0.95], [0.99, 0.95], [0.999, 0.95], [0.95, 0.9], [0.95, 0.99]] as const) {
      const z = twoSidedZ(confidence);
      expect(requiredConsecutiveSuccesses(minRate, confidence)).toBe(Math.ceil((minRate * z * z) / (1 - minRate)));
    }
  });

  it('rejects a rate of 1, which no finite run count can show', () => {
    expect(() => requiredConsecutiveSuccesses(1)).toThrow('minRate must be strictly between 0 and 1, got 1');
  });
});

describe('inverseNormalCdf', () => {
  it('matches published quantiles to 1e-12', () => {
    expect(inverseNormalCdf(0.975)).toBeCloseTo(Z95, 12);
    expect(inverseNormalCdf(0.95)).toBeCloseTo(1.6448536269514722, 12);
    expect(inverseNormalCdf(0.5)).toBe(0);
    expect(inverseNormalCdf(1e-10)).toBeCloseTo(-6.361340902404056, 10);
  });

  it('is antisymmetric about ½', () => {
    for (const p of [0.01, 0.2, 0.4]) expect(inverseNormalCdf(p)).toBeCloseTo(-inverseNormalCdf(1 - p), 14);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => inverseNormalCdf(1)).toThrow('probability must be strictly between 0 and 1, got 1');
  });
});

describe('twoSidedZ', () => {
  it('is 1.96 for 95% and 2.576 for 99%', () => {
    expect(twoSidedZ(0.95)).toBeCloseTo(Z95, 12);
    expect(twoSidedZ(0.99)).toBeCloseTo(2.5758293035489, 12);
  });
});
