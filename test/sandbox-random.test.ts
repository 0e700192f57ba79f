import { describe, expect, it } from 'vitest';
import { logNormal, randomDigits, randomInt, randomStream } from '../src/sandbox/random.js';

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

describe('the log-normal delay sampler', () => {
  it('matches the configured median and p95 over a thousand seeded draws', () => {
    const random = randomStream(1, 'carrier');
    const draws = Array.from({ length: 1_000 }, () => logNormal(random, 1_500, 5_000)).sort((a, b) => a - b);
    expect(quantile(draws, 0.5)).toBeGreaterThan(1_500 * 0.9);
    expect(quantile(draws, 0.5)).toBeLessThan(1_500 * 1.1);
    expect(quantile(draws, 0.95)).toBeGreaterThan(5_000 * 0.85);
    expect(quantile(draws, 0.95)).toBeLessThan(5_000 * 1.15);
  });

  it('gives the median every time when p95 equals it', () => {
    const random = randomStream(1, 'carrier');
    expect(new Set(Array.from({ length: 10 }, () => logNormal(random, 200, 200)))).toEqual(new Set([200]));
  });

  it('gives 0 for a median of 0', () => {
    expect(logNormal(randomStream(1, 'carrier'), 0, 0)).toBe(0);
  });
});

describe('seeded streams', () => {
  it('replay the same sequence for the same seed and stream', () => {
    const a = randomStream(5, 'codes');
    const b = randomStream(5, 'codes');
    expect(Array.from({ length: 5 }, () => a.uint32())).toEqual(Array.from({ length: 5 }, () => b.uint32()));
  });

  it('differ between streams of one seed', () => {
    expect(randomStream(5, 'codes').uint32()).not.toBe(randomStream(5, 'carrier').uint32());
  });
});

describe('random digits', () => {
  it('use every digit about equally often', () => {
    const counts = new Array<number>(10).fill(0);
    const random = randomStream(3, 'codes');
    for (let i = 0; i < 5_000; i++) counts[randomInt(random, 10)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(420);
    expect(Math.max(...counts)).toBeLessThan(580);
  });

  it('come from the operating system when there is no seed', () => {
    expect(randomDigits(randomStream(undefined, 'codes'), 8)).toMatch(/^\d{8}$/);
  });
});
