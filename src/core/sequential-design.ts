// Designing the truncated sequential test so that its stated error rates hold with the cap. Wald's
// bounds assume the test may run forever; cut at maxSamples, an undecided test must still be decided,
// and the false-pass rate near p0 then exceeds α. So the error rates are computed exactly, by dynamic
// programming over (runs, successes), and the boundaries are widened until both hold.
// Formulas, the search and the guarantee are explained in docs/statistics.md.

export interface SequentialParams {
  /** The gate's threshold; the test separates "clearly below" from "clearly above" it. */
  readonly minSuccessRate: number;
  /** Probability of passing a target whose true rate is p0 (a false pass). */
  readonly alpha?: number;
  /** Probability of failing a target whose true rate is p1 (a false fail). */
  readonly beta?: number;
  /** Half-width δ of the region around minSuccessRate where either verdict is acceptable; default (1 − minSuccessRate) / 2. */
  readonly indifference?: number;
  /** Cap on runs; a test undecided at the cap passes iff successes ≥ the design's capMinSuccesses. */
  readonly maxSamples: number;
}

/** The exact behaviour of a design against a target whose true success rate is `p`. */
export interface OperatingPoint {
  readonly p: number;
  /** P(the test passes). */
  readonly pass: number;
  /** P(the test fails) = 1 − pass. */
  readonly fail: number;
  /** Mean runs (SMS) a gate spends. */
  readonly expectedSamples: number;
  /** P(the test reaches maxSamples undecided and is decided by the cut-off). */
  readonly reachesCap: number;
}

export interface SprtDesign {
  readonly minSuccessRate: number;
  /** H0, the bad rate: minSuccessRate − δ. */
  readonly p0: number;
  /** H1, the good rate: minSuccessRate + δ, capped at (1 + minSuccessRate) / 2 so it stays below 1. */
  readonly p1: number;
  /** The stated error rates, which the exact ones below never exceed. */
  readonly alpha: number;
  readonly beta: number;
  readonly maxSamples: number;
  /** At or below this log-likelihood ratio the test fails the gate: lowerScale · ln(β / (1 − α)). */
  readonly lowerBound: number;
  /** At or above this log-likelihood ratio the test passes the gate: upperScale · ln((1 − β) / α). */
  readonly upperBound: number;
  /** How far the search widened Wald's log-bounds to hold α and β with the cap (1 = Wald's own). */
  readonly upperScale: number;
  readonly lowerScale: number;
  /** A test undecided at maxSamples passes iff at least this many runs succeeded. */
  readonly capMinSuccesses: number;
  /** Exact, by the dynamic programme: atP0.pass is the false-pass rate (≤ α), atP1.fail the false-fail rate (≤ β). */
  readonly atP0: OperatingPoint;
  readonly atP1: OperatingPoint;
}

interface Hypotheses {
  readonly p0: number;
  readonly p1: number;
}

interface Boundaries {
  readonly lower: number;
  readonly upper: number;
}

/** What one success and one failure add to the log-likelihood ratio. */
interface RatioSteps {
  readonly success: number;
  readonly failure: number;
}

function ratioSteps({ p0, p1 }: Hypotheses): RatioSteps {
  return { success: Math.log(p1 / p0), failure: Math.log((1 - p1) / (1 - p0)) };
}

/** ln of L(p1) / L(p0) after `samples` runs with `successes`, from the counts so it carries no accumulated rounding. */
export function logLikelihoodRatio(hypotheses: Hypotheses, samples: number, successes: number): number {
  return ratioFrom(ratioSteps(hypotheses), samples, successes);
}

function ratioFrom(steps: RatioSteps, samples: number, successes: number): number {
  return successes * steps.success + (samples - successes) * steps.failure;
}

/** The verdict of a bound crossed, if any. The gate and the dynamic programme share it, so the figures are the gate's own. */
export function boundaryVerdict(
  design: Hypotheses & { readonly lowerBound: number; readonly upperBound: number },
  samples: number,
  successes: number,
): 'pass' | 'fail' | undefined {
  return verdictFrom(ratioSteps(design), { lower: design.lowerBound, upper: design.upperBound }, samples, successes);
}

function verdictFrom(steps: RatioSteps, bounds: Boundaries, samples: number, successes: number): 'pass' | 'fail' | undefined {
  const llr = ratioFrom(steps, samples, successes);
  if (llr >= bounds.upper) return 'pass';
  if (llr <= bounds.lower) return 'fail';
  return undefined;
}

/** Grid points per scale, in each of the two search passes. */
const GRID_STEPS = 24;

/**
 * Wald's SPRT truncated at maxSamples, with bounds widened just enough that the exact P(pass | p0) ≤ α
 * and P(fail | p1) ≤ β hold with the cap; among those, the one with the least expected runs at p0 and
 * p1 together. Exact error rates are not monotone in the cap: when none holds at a maxSamples of at
 * least the fixed-N test's size, the design takes the largest cap below it that does (at the latest
 * that size, where the fixed-N test itself holds). Below that size a cap either works or is refused
 * with a RangeError saying what would.
 */
export function designSprt(params: SequentialParams): SprtDesign {
  const hypotheses = sprtHypotheses(params);
  const fixed = fixedSampleTest(hypotheses);
  const floor = neymanPearsonSize(hypotheses);
  const { minSuccessRate, alpha, beta, maxSamples } = hypotheses;
  const lowestCap = maxSamples >= fixed.samples ? fixed.samples : maxSamples;
  for (let cap = maxSamples; cap >= Math.max(lowestCap, floor); cap -= 1) {
    const design = searchDesign(hypotheses, cap);
    if (design !== undefined) return design;
  }
  throw new CapTooSmallError(maxSamples, fixed.samples, floor,
    `maxSamples ${maxSamples} is too small to hold α = ${alpha} and β = ${beta} at minSuccessRate ${minSuccessRate}: ` +
      `set it to at least ${fixed.samples}, the fixed-N test's size (no test of any kind can with a cap below ${floor})`,
  );
}

/** No truncated test with this cap holds the stated error rates; `fixedSamples` is a cap that does. */
export class CapTooSmallError extends RangeError {
  override readonly name = 'CapTooSmallError';
  constructor(
    readonly maxSamples: number,
    readonly fixedSamples: number,
    /** Below this cap no test of any kind holds both error rates. */
    readonly floor: number,
    message: string,
  ) {
    super(message);
  }
}

type Validated = Hypotheses & Pick<SprtDesign, 'minSuccessRate' | 'alpha' | 'beta' | 'maxSamples'>;

/** The hypotheses and error rates a design for `params` tests, validated; e.g. for fixedSampleTest. */
export function sprtHypotheses(params: SequentialParams): Validated {
  const { minSuccessRate, alpha = 0.05, beta = 0.05, maxSamples } = params;
  if (!(minSuccessRate > 0 && minSuccessRate < 1)) {
    throw new RangeError(`minSuccessRate must be strictly between 0 and 1, got ${minSuccessRate}`);
  }
  for (const [name, value] of [['alpha', alpha], ['beta', beta]] as const) {
    if (!(value > 0 && value < 0.5)) throw new RangeError(`${name} must be strictly between 0 and 0.5, got ${value}`);
  }
  if (!Number.isInteger(maxSamples) || maxSamples < 1) {
    throw new RangeError(`maxSamples must be a positive integer, got ${maxSamples}`);
  }
  const indifference = params.indifference ?? (1 - minSuccessRate) / 2;
  const p0 = minSuccessRate - indifference;
  if (!(indifference > 0 && p0 > 0)) {
    throw new RangeError(`indifference must be positive and below minSuccessRate (${minSuccessRate}), got ${indifference}`);
  }
  return { minSuccessRate, p0, p1: Math.min(minSuccessRate + indifference, (1 + minSuccessRate) / 2), alpha, beta, maxSamples };
}

/**
 * Scales each log-bound by a factor from 1 (Wald's bound) to where it is out of reach, on a geometric
 * grid of both factors, then on a finer grid around the best pair: the design kept is the one that
 * holds α and β exactly with the least E[runs | p0] + E[runs | p1]. The error rates are not monotone
 * in either factor (widening the lower bound cuts false fails at it but sends more runs to the cap),
 * hence a grid rather than a bisection.
 */
function searchDesign(hypotheses: Validated, maxSamples: number): SprtDesign | undefined {
  const { p0, p1, alpha, beta } = hypotheses;
  const waldUpper = Math.log((1 - beta) / alpha);
  const waldLower = Math.log(beta / (1 - alpha));
  // Scales past these put a bound out of reach within maxSamples: on that side the test is fixed-N.
  const upperLimit = Math.max(1, ((maxSamples + 1) * Math.log(p1 / p0)) / waldUpper);
  const lowerLimit = Math.max(1, ((maxSamples + 1) * Math.log((1 - p0) / (1 - p1))) / -waldLower);

  let best: SprtDesign | undefined;
  const searchGrid = (upperFrom: number, upperTo: number, lowerFrom: number, lowerTo: number) => {
    for (const upperScale of geometricGrid(upperFrom, upperTo)) {
      for (const lowerScale of geometricGrid(lowerFrom, lowerTo)) {
        const bounds = { upper: upperScale * waldUpper, lower: lowerScale * waldLower };
        best = candidate(hypotheses, maxSamples, bounds, { upperScale, lowerScale }, best) ?? best;
      }
    }
  };
  searchGrid(1, upperLimit, 1, lowerLimit);
  if (best === undefined) return undefined;
  const { upperScale, lowerScale } = best;
  const upperStep = upperLimit ** (1 / (GRID_STEPS - 1));
  const lowerStep = lowerLimit ** (1 / (GRID_STEPS - 1));
  searchGrid(
    Math.max(1, upperScale / upperStep),
    Math.min(upperLimit, upperScale * upperStep),
    Math.max(1, lowerScale / lowerStep),
    Math.min(lowerLimit, lowerScale * lowerStep),
  );
  return best;
}

function geometricGrid(from: number, to: number): number[] {
  return Array.from({ length: GRID_STEPS }, (_, step) => from * (to / from) ** (step / (GRID_STEPS - 1)));
}

/**
 * The smallest N at which the most powerful test on N runs (the randomised likelihood-ratio test with
 * P(pass | p0) = α exactly) also holds β. Any test that stops by N runs is a test on N runs, so none
 * with a smaller cap can hold both.
 */
function neymanPearsonSize({ p0, p1, alpha, beta }: Validated): number {
  const logFactorial = [0];
  for (let n = 1; ; n += 1) {
    logFactorial.push(logFactorial[n - 1]! + Math.log(n));
    const pmf = (k: number, p: number) =>
      Math.exp(logFactorial[n]! - logFactorial[k]! - logFactorial[n - k]! + k * Math.log(p) + (n - k) * Math.log1p(-p));
    // Walk the cut-off c down from n until the upper tail under p0 would pass α, then randomise at c.
    let c = n;
    let tailAbove = 0;
    while (c > 0 && tailAbove + pmf(c, p0) <= alpha) tailAbove += pmf(c--, p0);
    const atCut = pmf(c, p0);
    const passShareAtCut = Math.min(1, (alpha - tailAbove) / atCut);
    let below = 0;
    for (let k = 0; k < c; k += 1) below += pmf(k, p1);
    if (below + (1 - passShareAtCut) * pmf(c, p1) <= beta) return n;
  }
}

/**
 * The design with these bounds and the most lenient cut-off at the cap that holds α, if it also holds
 * β and spends fewer expected runs at p0 and p1 than `incumbent`.
 */
export interface FixedSampleTest {
  /** Runs the fixed-N test needs. */
  readonly samples: number;
  /** It passes when at least this many succeed. */
  readonly minSuccesses: number;
}

/**
 * The fixed-N comparator: the smallest N with a cut-off c such that the exact binomial test "pass iff
 * successes ≥ c" has P(pass | p0) ≤ α and P(fail | p1) ≤ β, the same guarantees the SPRT states.
 */
export function fixedSampleTest(design: Pick<SprtDesign, 'p0' | 'p1' | 'alpha' | 'beta'>): FixedSampleTest {
  const { p0, p1, alpha, beta } = design;
  const logFactorial = [0];
  for (let n = 1; ; n += 1) {
    logFactorial.push(logFactorial[n - 1]! + Math.log(n));
    const pmf = (k: number, p: number) =>
      Math.exp(logFactorial[n]! - logFactorial[k]! - logFactorial[n - k]! + k * Math.log(p) + (n - k) * Math.log1p(-p));
    // Smallest c with P(X ≥ c | p0) ≤ α, summing the upper tail downwards.
    let c = n + 1;
    let falsePass = 0;
    while (c > 0 && falsePass + pmf(c - 1, p0) <= alpha) falsePass += pmf(--c, p0);
    if (c > n) continue;
    // P(X ≤ c − 1 | p1), summed downwards until the terms no longer change the total.
    let falseFail = 0;
    for (let k = c - 1; k >= 0 && falseFail <= beta; k -= 1) {
      const term = pmf(k, p1);
      falseFail += term;
      if (term < falseFail * 1e-17) break;
    }
    if (falseFail <= beta) return { samples: n, minSuccesses: c };
  }
}

function candidate(
  hypotheses: Validated,
  maxSamples: number,
  bounds: Boundaries,
  scales: Pick<SprtDesign, 'upperScale' | 'lowerScale'>,
  incumbent: SprtDesign | undefined,
): SprtDesign | undefined {
  const { p0, p1, alpha, beta } = hypotheses;
  const budget = incumbent === undefined ? Infinity : incumbent.atP0.expectedSamples + incumbent.atP1.expectedSamples;
  const underP0 = walkPaths(hypotheses, bounds, maxSamples, p0, budget);
  if (underP0 === undefined || underP0.passed > alpha) return undefined;
  const underP1 = walkPaths(hypotheses, bounds, maxSamples, p1, budget - underP0.expectedSamples);
  if (underP1 === undefined) return undefined;
  let capMinSuccesses = maxSamples + 1;
  let falsePass = underP0.passed;
  while (capMinSuccesses > 0 && falsePass + underP0.atCap[capMinSuccesses - 1]! <= alpha) {
    capMinSuccesses -= 1;
    falsePass += underP0.atCap[capMinSuccesses]!;
  }
  const atP1 = operatingPoint(p1, underP1, capMinSuccesses);
  if (atP1.fail > beta) return undefined;
  return {
    ...hypotheses,
    maxSamples,
    lowerBound: bounds.lower,
    upperBound: bounds.upper,
    ...scales,
    capMinSuccesses,
    atP0: operatingPoint(p0, underP0, capMinSuccesses),
    atP1,
  };
}

/** The exact pass and fail probabilities and expected runs of a design against a target of true rate p. */
export function operatingCharacteristic(design: SprtDesign, p: number): OperatingPoint {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  const bounds = { lower: design.lowerBound, upper: design.upperBound };
  return operatingPoint(p, walkPaths(design, bounds, design.maxSamples, p, Infinity)!, design.capMinSuccesses);
}

interface PathDistribution {
  /** P(the upper bound is crossed by the cap). */
  readonly passed: number;
  readonly failed: number;
  /** atCap[s]: P(undecided at the cap with s successes). */
  readonly atCap: Float64Array;
  readonly expectedSamples: number;
}

/**
 * The dynamic programme: alive[s] is the probability that after n runs the test is still undecided
 * with s successes. Each run moves that mass to s + 1 (probability p) or stays at s (1 − p), and mass
 * that lands on a boundary is decided there. E[runs] = Σ over n < cap of P(undecided after n runs).
 * Undecided states lie in a band of width (upper − lower) / (ln(p1/p0) − ln((1−p1)/(1−p0))) + 1, so a
 * step costs that band, not n. Gives up (undefined) once E[runs] exceeds `budget`, as the search does
 * not need the rest.
 */
function walkPaths(hypotheses: Hypotheses, bounds: Boundaries, maxSamples: number, p: number, budget: number): PathDistribution | undefined {
  const steps = ratioSteps(hypotheses);
  // Two buffers, each cleared over its band once read, so neither is ever refilled in full.
  let alive = new Float64Array(maxSamples + 1);
  let next = new Float64Array(maxSamples + 1);
  alive[0] = 1;
  let low = 0;
  let high = 0;
  let passed = 0;
  let failed = 0;
  let expectedSamples = 0;
  for (let n = 1; n <= maxSamples && low <= high; n += 1) {
    let nextLow = Infinity;
    let nextHigh = -1;
    const land = (successes: number, share: number) => {
      if (share === 0) return;
      const verdict = verdictFrom(steps, bounds, n, successes);
      if (verdict === 'pass') passed += share;
      else if (verdict === 'fail') failed += share;
      else {
        next[successes]! += share;
        nextLow = Math.min(nextLow, successes);
        nextHigh = Math.max(nextHigh, successes);
      }
    };
    for (let s = low; s <= high; s += 1) {
      const mass = alive[s]!;
      expectedSamples += mass;
      land(s + 1, mass * p);
      land(s, mass * (1 - p));
    }
    if (expectedSamples > budget) return undefined;
    alive.fill(0, low, high + 1);
    [alive, next] = [next, alive];
    low = nextLow;
    high = nextHigh;
  }
  return { passed, failed, atCap: alive, expectedSamples };
}

function operatingPoint(p: number, paths: PathDistribution, capMinSuccesses: number): OperatingPoint {
  let passAtCap = 0;
  let reachesCap = 0;
  paths.atCap.forEach((mass, successes) => {
    reachesCap += mass;
    if (successes >= capMinSuccesses) passAtCap += mass;
  });
  const pass = paths.passed + passAtCap;
  return { p, pass, fail: paths.failed + (reachesCap - passAtCap), expectedSamples: paths.expectedSamples, reachesCap };
}
