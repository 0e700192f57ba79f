// Wald's sequential probability ratio test on a check's success rate: send, look, and stop as soon
// as the evidence decides the gate, because every verification costs a real SMS.
// Formulas, defaults and the fixed-N comparator are explained in docs/statistics.md.

export interface SequentialParams {
  /** The gate's threshold; the test separates "clearly below" from "clearly above" it. */
  readonly minSuccessRate: number;
  /** Probability of passing a target whose true rate is p0 (a false pass). */
  readonly alpha?: number;
  /** Probability of failing a target whose true rate is p1 (a false fail). */
  readonly beta?: number;
  /** Half-width δ of the region around minSuccessRate where either verdict is acceptable; default (1 − minSuccessRate) / 2. */
  readonly indifference?: number;
  /** Cap on runs; reaching it without a verdict falls back to the fixed-N rule (rate ≥ minSuccessRate). */
  readonly maxSamples: number;
}

export interface SprtDesign {
  readonly minSuccessRate: number;
  /** H0, the bad rate: minSuccessRate − δ. */
  readonly p0: number;
  /** H1, the good rate: minSuccessRate + δ, capped at (1 + minSuccessRate) / 2 so it stays below 1. */
  readonly p1: number;
  readonly alpha: number;
  readonly beta: number;
  readonly maxSamples: number;
  /** ln(β / (1 − α)): at or below it the test fails the gate. */
  readonly lowerBound: number;
  /** ln((1 − β) / α): at or above it the test passes the gate. */
  readonly upperBound: number;
}

export type SequentialDecision = 'pass' | 'fail' | 'continue';

export interface SequentialSnapshot {
  readonly design: SprtDesign;
  readonly samples: number;
  readonly successes: number;
  /** ln of L(p1) / L(p0) over the samples so far. */
  readonly logLikelihoodRatio: number;
  readonly decision: SequentialDecision;
  /** `sprt` when a bound was crossed, `max_samples` when the cap forced the fixed-N rule. */
  readonly decidedBy?: 'sprt' | 'max_samples';
}

export interface SequentialGate {
  /** Adds one run's result; throws once the test has decided, since later samples would void its error rates. */
  observe(success: boolean): void;
  decision(): SequentialDecision;
  snapshot(): SequentialSnapshot;
}

export function designSprt(params: SequentialParams): SprtDesign {
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
  return {
    minSuccessRate,
    p0,
    p1: Math.min(minSuccessRate + indifference, (1 + minSuccessRate) / 2),
    alpha,
    beta,
    maxSamples,
    lowerBound: Math.log(beta / (1 - alpha)),
    upperBound: Math.log((1 - beta) / alpha),
  };
}

export function createSequentialGate(params: SequentialParams): SequentialGate {
  const design = designSprt(params);
  const successStep = Math.log(design.p1 / design.p0);
  const failureStep = Math.log((1 - design.p1) / (1 - design.p0));
  let samples = 0;
  let successes = 0;
  let decided: Pick<SequentialSnapshot, 'decision' | 'decidedBy'> = { decision: 'continue' };
  // From the counts rather than a running sum, so the ratio carries no accumulated rounding.
  const logLikelihoodRatio = () => successes * successStep + (samples - successes) * failureStep;

  return {
    observe(success) {
      if (decided.decision !== 'continue') {
        throw new Error(`the sequential test already decided "${decided.decision}" after ${samples} runs`);
      }
      samples += 1;
      if (success) successes += 1;
      const llr = logLikelihoodRatio();
      if (llr >= design.upperBound) decided = { decision: 'pass', decidedBy: 'sprt' };
      else if (llr <= design.lowerBound) decided = { decision: 'fail', decidedBy: 'sprt' };
      else if (samples >= design.maxSamples) {
        const passed = successes / samples >= design.minSuccessRate;
        decided = { decision: passed ? 'pass' : 'fail', decidedBy: 'max_samples' };
      }
    },
    decision: () => decided.decision,
    snapshot: () => ({ design, samples, successes, logLikelihoodRatio: logLikelihoodRatio(), ...decided }),
  };
}

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

export interface SprtSimulation {
  /** The true success rate the runs were drawn with. */
  readonly p: number;
  readonly trials: number;
  readonly passRate: number;
  readonly failRate: number;
  /** Share of trials that hit maxSamples and were decided by the fixed-N rule. */
  readonly truncatedRate: number;
  /** Average runs (SMS) one gate spent. */
  readonly meanSamples: number;
  readonly maxSamplesUsed: number;
  /** What the fixed-N test with the same α, β, p0 and p1 would spend on every gate. */
  readonly fixed: FixedSampleTest;
}

/** Runs the sequential gate `trials` times against a target of true rate `p`; `rng` returns [0, 1). */
export function simulateSprt(p: number, params: SequentialParams, trials: number, rng: () => number): SprtSimulation {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be a positive integer, got ${trials}`);
  let passes = 0;
  let truncated = 0;
  let totalSamples = 0;
  let maxSamplesUsed = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const gate = createSequentialGate(params);
    while (gate.decision() === 'continue') gate.observe(rng() < p);
    const { decision, decidedBy, samples } = gate.snapshot();
    if (decision === 'pass') passes += 1;
    if (decidedBy === 'max_samples') truncated += 1;
    totalSamples += samples;
    maxSamplesUsed = Math.max(maxSamplesUsed, samples);
  }
  return {
    p,
    trials,
    passRate: passes / trials,
    failRate: (trials - passes) / trials,
    truncatedRate: truncated / trials,
    meanSamples: totalSamples / trials,
    maxSamplesUsed,
    fixed: fixedSampleTest(designSprt(params)),
  };
}
