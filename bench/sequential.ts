// What the sequential gate saves: every SMS costs money, so the gate stops once its test decides.
// Two parts. Real gate runs (runGate, sequential, against the embedded sandbox with a seeded carrier)
// on a target that clearly passes and one that clearly fails, counted against the fixed-N test with
// the same error rates. Then, across true rates, the design's exact operating characteristics (the
// dynamic programme) beside a seeded simulation of the gate and the fixed-N test, showing that the SMS
// saved do not cost the stated error rates.

import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import {
  designSprt,
  fixedSampleTest,
  operatingCharacteristic,
  simulateSprt,
  sprtHypotheses,
  type FixedSampleTest,
  type OperatingPoint,
  type SprtDesign,
  type SprtSimulation,
} from '../src/core/sequential.js';
import { runGate } from '../src/wiring/gate-run.js';
import { randomStream, uniform } from '../src/sandbox/random.js';
import type { BenchSection } from './section.js';

const MIN_SUCCESS_RATE = 0.95;
const SEEDS = [1, 2, 3];
const SIMULATION_TRIALS = 2_000;

interface Scenario {
  readonly label: string;
  /** The carrier's loss: the target's true failure rate. */
  readonly loss: number;
}

const SCENARIOS: readonly Scenario[] = [
  { label: 'clearly passes: no loss (true rate 1.00)', loss: 0 },
  { label: 'clearly fails: 30% of SMS lost (true rate 0.70)', loss: 0.3 },
];

export async function benchSequential(): Promise<BenchSection> {
  const fixed = fixedSampleTest(sprtHypotheses({ minSuccessRate: MIN_SUCCESS_RATE, maxSamples: 1 }));
  const design = designSprt({ minSuccessRate: MIN_SUCCESS_RATE, maxSamples: fixed.samples });

  const rows: string[] = [];
  let spent = 0;
  let runs = 0;
  for (const scenario of SCENARIOS) {
    for (const seed of SEEDS) {
      const gate = await sandboxGate(scenario, seed, fixed.samples);
      spent += gate.sends;
      runs += 1;
      rows.push(
        `| ${scenario.label} | ${seed} | ${gate.decision} after ${gate.sends} | ${fixed.samples} | ${percentFewer(gate.sends, fixed.samples)} | ${(gate.wallMs / 1000).toFixed(1)} s |`,
      );
    }
  }
  const meanSaving = 1 - spent / runs / fixed.samples;
  const simulations = [0.7, design.p0, MIN_SUCCESS_RATE, design.p1, 0.99, 1].map((p) => simulate(p, design, fixed));
  const atP0 = simulations[1]!;
  const atP1 = simulations[3]!;

  return {
    title: 'Sequential gate: SMS spent against the fixed-N test',
    lines: [
      `Gate: min success rate ${MIN_SUCCESS_RATE}. The sequential test separates H0 p = ${design.p0.toFixed(3)} from H1 p = ${design.p1.toFixed(3)} with α = β = ${design.alpha}; ` +
        `the fixed-N test with the same p0, p1, α and β sends N = ${fixed.samples} and passes on ≥ ${fixed.minSuccesses} successes. ` +
        `The sequential gate is capped at that N, so it never spends more. To hold α and β exactly with that cap, the design widens Wald's ` +
        `log-bounds ±${Math.log((1 - design.beta) / design.alpha).toFixed(3)} to [${design.lowerBound.toFixed(3)}, ${design.upperBound.toFixed(3)}] ` +
        `(scales ${design.lowerScale.toFixed(3)} and ${design.upperScale.toFixed(3)}) and passes an undecided test at the cap on ≥ ${design.capMinSuccesses} successes.`,
      '',
      `Real gate runs: \`runGate(config, { sequential: true, samples: ${fixed.samples} })\` against the embedded sandbox (seeded carrier, delay median 10 ms).`,
      '',
      '| scenario | sandbox seed | sequential: decision after SMS | fixed-N SMS | fewer SMS | wall time |',
      '| --- | ---: | --- | ---: | ---: | ---: |',
      ...rows,
      '',
      `Over these ${runs} gates the sequential gate sent ${Math.round(meanSaving * 100)}% fewer SMS than the fixed-N test at the same error rates (target: at least 40%).`,
      '',
      `Operating characteristics: exact, from \`operatingCharacteristic(design, p)\` (the dynamic programme over runs and successes), beside ` +
        `\`simulateSprt(p, design, ${SIMULATION_TRIALS}, seeded)\` and the fixed-N test's exact binomial P(pass) and its simulation from the same generator.`,
      '',
      '| true rate | exact P(pass) | simulated P(pass) | exact mean SMS | simulated mean SMS | largest | reaches cap (exact) | fixed-N P(pass), exact / simulated | fixed-N SMS | fewer SMS (exact) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...simulations.map(simulationRow),
      '',
      `False pass at p0 = ${design.p0.toFixed(3)}: exact ${atP0.exact.pass.toFixed(4)} (simulated ${atP0.sprt.passRate.toFixed(3)}), fixed-N ${atP0.fixedPass.toFixed(4)}. ` +
        `False fail at p1 = ${design.p1.toFixed(3)}: exact ${atP1.exact.fail.toFixed(4)} (simulated ${atP1.sprt.failRate.toFixed(3)}), fixed-N ${(1 - atP1.fixedPass).toFixed(4)}. ` +
        `Both are designed for ${design.alpha}, and the exact figures are the gate's own, truncation included. ` +
        'Between p0 and p1 is the indifference zone, where either verdict is acceptable and the sequential test spends the most.',
    ],
  };
}

interface SandboxGate {
  readonly decision: string;
  readonly sends: number;
  readonly wallMs: number;
}

async function sandboxGate(scenario: Scenario, seed: number, cap: number): Promise<SandboxGate> {
  const config = parseConfig(
    stringify({
      sandbox: { seed, carrier: { delay: { median: '10ms', p95: '30ms' }, loss: scenario.loss }, otp: { resendWindow: '0s' } },
      checks: [
        {
          name: 'sequential-bench',
          number: '+15555550150',
          trigger: { type: 'sandbox' },
          inbox: { type: 'sandbox', mode: 'webhook' },
          verify: { type: 'sandbox' },
          // A lost SMS costs its delivery timeout: short, as the carrier's delays are.
          timeouts: { delivery: '300ms', total: '2s', step: '1s' },
        },
      ],
    }),
    { source: 'sequential bench config' },
  );
  const started = performance.now();
  const report = await runGate(config, { samples: cap, concurrency: 1, thresholds: { minSuccessRate: MIN_SUCCESS_RATE }, sequential: true });
  const test = report.sequential?.['sequential-bench'];
  if (test === undefined) throw new Error('the gate ran without its sequential test');
  return { decision: test.decision, sends: test.samples, wallMs: performance.now() - started };
}

interface Simulation {
  readonly p: number;
  readonly exact: OperatingPoint;
  readonly sprt: SprtSimulation;
  /** The fixed-N test's exact P(pass): the binomial upper tail from its cut-off. */
  readonly fixedPass: number;
  readonly fixedPassRate: number;
  readonly fixed: FixedSampleTest;
}

function simulate(p: number, design: SprtDesign, fixed: FixedSampleTest): Simulation {
  return {
    p,
    exact: operatingCharacteristic(design, p),
    sprt: simulateSprt(p, design, SIMULATION_TRIALS, rng(`sprt/${p}`)),
    fixedPass: binomialUpperTail(fixed.samples, p, fixed.minSuccesses),
    fixedPassRate: simulateFixed(p, fixed, SIMULATION_TRIALS, rng(`fixed/${p}`)),
    fixed,
  };
}

function simulationRow({ p, exact, sprt, fixedPass, fixedPassRate, fixed }: Simulation): string {
  return (
    `| ${p.toFixed(3)} | ${exact.pass.toFixed(4)} | ${sprt.passRate.toFixed(3)} | ${exact.expectedSamples.toFixed(1)} | ${sprt.meanSamples.toFixed(1)} | ` +
    `${sprt.maxSamplesUsed} | ${exact.reachesCap.toFixed(3)} | ${fixedPass.toFixed(4)} / ${fixedPassRate.toFixed(3)} | ${fixed.samples} | ` +
    `${percentFewer(exact.expectedSamples, fixed.samples)} |`
  );
}

/** P(X ≥ from) for X ~ Binomial(n, p), term by term from log-factorials. */
function binomialUpperTail(n: number, p: number, from: number): number {
  if (p === 1) return 1;
  let logChoose = 0;
  let total = 0;
  for (let k = 1; k <= n; k += 1) {
    logChoose += Math.log((n - k + 1) / k);
    if (k >= from) total += Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
  }
  return from <= 0 ? total + (1 - p) ** n : total;
}

/** The fixed-N test run `trials` times: N draws, pass on at least `minSuccesses`. */
function simulateFixed(p: number, fixed: FixedSampleTest, trials: number, random: () => number): number {
  let passes = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    let successes = 0;
    for (let run = 0; run < fixed.samples; run += 1) if (random() < p) successes += 1;
    if (successes >= fixed.minSuccesses) passes += 1;
  }
  return passes / trials;
}

function rng(stream: string): () => number {
  const random = randomStream(20_250_301, stream);
  return () => uniform(random);
}

function percentFewer(spent: number, fixed: number): string {
  return `${Math.round((1 - spent / fixed) * 100)}%`;
}
