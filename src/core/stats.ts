// The few statistics the release gate needs, written out so that every figure in a report can be
// traced to a formula in docs/statistics.md.

export interface Interval {
  readonly lower: number;
  readonly upper: number;
  /** The interval's midpoint, (s + z²/2) / (n + z²): pulled towards ½ for small n. */
  readonly center: number;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), two-sided at `confidence`.
 * Unlike the normal-approximation interval it stays inside [0, 1] and is honest at s = 0 and s = n,
 * which is where a release gate usually sits.
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be an integer between 0 and n (${n}), got ${successes}`);
  }
  if (n === 0) return { lower: 0, upper: 1, center: 0.5 };
  const z = twoSidedZ(confidence);
  const z2 = z * z;
  const p = successes / n;
  const denominator = n + z2;
  const center = (successes + z2 / 2) / denominator;
  const halfWidth = (z * Math.sqrt(n * p * (1 - p) + z2 / 4)) / denominator;
  // At s = 0 and s = n the bound is exactly 0 or 1; clamping removes the rounding residue.
  return {
    lower: successes === 0 ? 0 : Math.max(0, center - halfWidth),
    upper: successes === n ? 1 : Math.min(1, center + halfWidth),
    center,
  };
}

/**
 * The nearest-rank percentile: the ⌈p/100 · N⌉-th smallest value (p = 0 gives the smallest).
 * Always an observed value, never an interpolation, so "p95 = 31 s" means a run really took 31 s.
 */
export function nearestRankPercentile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * The smallest n for which n successes out of n runs give a Wilson lower bound ≥ minRate, i.e. how
 * many runs, all successful, it takes before the data can support the threshold at all.
 * From n / (n + z²) ≥ minRate: n = ⌈minRate · z² / (1 − minRate)⌉, then checked against
 * wilsonInterval itself so floating-point rounding can never make the two disagree.
 */
export function requiredConsecutiveSuccesses(minRate: number, confidence = 0.95): number {
  if (!(minRate > 0 && minRate < 1)) throw new RangeError(`minRate must be strictly between 0 and 1, got ${minRate}`);
  const z = twoSidedZ(confidence);
  let n = Math.max(1, Math.ceil((minRate * z * z) / (1 - minRate)));
  while (n > 1 && wilsonInterval(n - 1, n - 1, confidence).lower >= minRate) n -= 1;
  while (wilsonInterval(n, n, confidence).lower < minRate) n += 1;
  return n;
}

/** The z for a two-sided interval: Φ⁻¹(1 − (1 − confidence) / 2), e.g. 1.959964 for 0.95. */
export function twoSidedZ(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  }
  return inverseNormalCdf(1 - (1 - confidence) / 2);
}

/**
 * Φ⁻¹(p), the standard normal quantile, by Wichura's algorithm AS241 (PPND16, Applied Statistics
 * 37(3), 1988): relative error about 1e-16 over the whole open interval, no refinement step needed.
 * The coefficients are the paper's, digit for digit (more than a double holds) and laid out as
 * published, so they can be checked against it: neither the linter nor the formatter touches them.
 */
export function inverseNormalCdf(p: number): number {
  /* eslint-disable no-loss-of-precision */
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be strictly between 0 and 1, got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    // prettier-ignore
    const num =
      (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r +
        4.5921953931549871457e4) * r + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r +
        1.3314166789178437745e2) * r + 3.387132872796366608) * q;
    // prettier-ignore
    const den =
      ((((((5.226495278852854561e3 * r + 2.8729085735721942674e4) * r + 3.930789580009271061e4) * r +
        2.1213794301586595867e4) * r + 5.3941960214247511077e3) * r + 6.871870074920579083e2) * r +
        4.2313330701600911252e1) * r + 1;
    return num / den;
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    // prettier-ignore
    const num =
      ((((((7.7454501427834140764e-4 * r + 2.2723844989269184583e-2) * r + 2.4178072517745061177e-1) * r +
        1.270458252452368382580) * r + 3.6478483247632046050) * r + 5.769497221460691405) * r +
        4.6303378461565452959) * r + 1.42343711074968357734;
    // prettier-ignore
    const den =
      ((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 1.5198666563616457197e-2) * r +
        1.4810397642748007459e-1) * r + 6.8976733498510000455e-1) * r + 1.6763848301838038494) * r +
        2.05319162663775882187) * r + 1;
    x = num / den;
  } else {
    r -= 5;
    // prettier-ignore
    const num =
      ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.2426609473880784386e-3) * r +
        2.6532189526576123093e-2) * r + 2.9656057182850489123e-1) * r + 1.784826539917291335800) * r +
        5.4637849111641143699) * r + 6.6579046435011037772;
    // prettier-ignore
    const den =
      ((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) * r + 1.4875361290850614852e-2) * r + 1.3692988092273580531e-1) * r +
        5.9983220655588793769e-1) * r + 1;
    x = num / den;
  }
  /* eslint-enable no-loss-of-precision */
  return q < 0 ? -x : x;
}
