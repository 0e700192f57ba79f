// Wald's sequential probability ratio test on a check's success rate: send, look, and stop as soon
// as the evidence decides the gate, because every verification costs a real SMS. The design (bounds
// that hold α and β with the cap, exactly) is made in sequential-design.ts.
// Formulas, defaults and the fixed-N comparator are explained in docs/statistics.md.

import {
  boundaryVerdict,
  designSprt,
  fixedSampleTest,
  logLikelihoodRatio,
  type FixedSampleTest,
  type SequentialParams,
  type SprtDesign,
} from './sequential-design.js';

export {
  CapTooSmallError,
  designSprt,
  fixedSampleTest,
  operatingCharacteristic,
  sprtHypotheses,
  type FixedSampleTest,
  type OperatingPoint,
  type SequentialParams,
  type SprtDesign,
} from './sequential-design.js';

export type SequentialDecision = 'pass' | 'fail' | 'continue';

export interface SequentialSnapshot {
  readonly design: SprtDesign;
  readonly samples: number;
  readonly successes: number;
  /** ln of L(p1) / L(p0) over the samples so far. */
  readonly logLikelihoodRatio: number;
  readonly decision: SequentialDecision;
  /** `sprt` when a bound was crossed, `max_samples` when the cap forced the cut-off (design.capMinSuccesses). */
  readonly decidedBy?: 'sprt' | 'max_samples';
}

export interface SequentialGate {
  /** Adds one run's result; throws once the test has decided, since later samples would void its error rates. */
  observe(success: boolean): void;
  decision(): SequentialDecision;
  snapshot(): SequentialSnapshot;
}

/** Designs the test for `params` (see designSprt) and starts it. */
export function createSequentialGate(params: SequentialParams): SequentialGate {
  return startSequentialTest(designSprt(params));
}

/** Starts a test of a design made once, e.g. one per check of a gate run. */
export function startSequentialTest(design: SprtDesign): SequentialGate {
  let samples = 0;
  let successes = 0;
  let decided: Pick<SequentialSnapshot, 'decision' | 'decidedBy'> = { decision: 'continue' };

  return {
    observe(success) {
      if (decided.decision !== 'continue') {
        throw new Error(`the sequential test already decided "${decided.decision}" after ${samples} runs`);
      }
      samples += 1;
      if (success) successes += 1;
      const crossed = boundaryVerdict(design, samples, successes);
      if (crossed !== undefined) decided = { decision: crossed, decidedBy: 'sprt' };
      else if (samples >= design.maxSamples) {
        decided = { decision: successes >= design.capMinSuccesses ? 'pass' : 'fail', decidedBy: 'max_samples' };
      }
    },
    decision: () => decided.decision,
    snapshot: () => ({ design, samples, successes, logLikelihoodRatio: logLikelihoodRatio(design, samples, successes), ...decided }),
  };
}

export interface SprtSimulation {
  /** The true success rate the runs were drawn with. */
  readonly p: number;
  readonly trials: number;
  readonly passRate: number;
  readonly failRate: number;
  /** Share of trials that reached maxSamples and were decided by the cut-off there. */
  readonly truncatedRate: number;
  /** Average runs (SMS) one gate spent. */
  readonly meanSamples: number;
  readonly maxSamplesUsed: number;
  /** What the fixed-N test with the same α, β, p0 and p1 would spend on every gate. */
  readonly fixed: FixedSampleTest;
}

/** Runs the design's test `trials` times against a target of true rate `p`; `rng` returns [0, 1). */
export function simulateSprt(p: number, design: SprtDesign, trials: number, rng: () => number): SprtSimulation {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be a positive integer, got ${trials}`);
  let passes = 0;
  let truncated = 0;
  let totalSamples = 0;
  let maxSamplesUsed = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const gate = startSequentialTest(design);
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
    fixed: fixedSampleTest(design),
  };
}
