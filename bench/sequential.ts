// What the sequential gate saves: every SMS costs money, so the gate stops once Wald's test decides.
// Two parts. Real gate runs (runGate, sequential, against the embedded sandbox with a seeded carrier)
// on a target that clearly passes and one that clearly fails, counted against the fixed-N test with
// the same error rates. Then the pure simulation across true rates, the SPRT and the fixed-N test side
// by side, showing that the SMS saved do not cost accuracy.

import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { designSprt, fixedSampleTest, simulateSprt, type FixedSampleTest, type SequentialParams, type SprtSimulation } from '../src/core/sequential.js';
import { runGate } from '../src/gate-run.js';
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
  const fixed = fixedSampleTest(designSprt({ minSuccessRate: MIN_SUCCESS_RATE, maxSamples: 1 }));
  const params: SequentialParams = { minSuccessRate: MIN_SUCCESS_RATE, maxSamples: fixed.samples };
  const design = designSprt(params);

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
  const simulations = [0.7, design.p0, MIN_SUCCESS_RATE, design.p1, 1].map((p) => simulate(p, params, fixed));
  const atP0 = simulations[1]!;
  const atP1 = simulations[3]!;

  return {
    title: 'Sequential gate: SMS spent against the fixed-N test',
    lines: [
      `Gate: min success rate ${MIN_SUCCESS_RATE}. Wald's SPRT tests H0 p = ${design.p0.toFixed(3)} against H1 p = ${design.p1.toFixed(3)} with α = β = ${design.alpha}; ` +
        `the fixed-N test with the same p0, p1, α and β sends N = ${fixed.samples} and passes on ≥ ${fixed.minSuccesses} successes. ` +
        `The sequential gate is capped at that N, so it never spends more.`,
      '',
      `Real gate runs: \`runGate(config, { sequential: true, samples: ${fixed.samples} })\` against the embedded sandbox (seeded carrier, delay median 10 ms).`,
      '',
      '| scenario | sandbox seed | sequential: decision after SMS | fixed-N SMS | fewer SMS | wall time |',
      '| --- | ---: | --- | ---: | ---: | ---: |',
      ...rows,
      '',
      `Over these ${runs} gates the sequential gate sent ${Math.round(meanSaving * 100)}% fewer SMS than the fixed-N test (target: at least 40%).`,
      '',
      `Error rates, simulated: \`simulateSprt(p, { minSuccessRate: ${MIN_SUCCESS_RATE}, maxSamples: ${fixed.samples} }, ${SIMULATION_TRIALS}, seeded)\` against the fixed-N test drawn from the same generator.`,
      '',
      '| true rate | SPRT P(pass) | SPRT mean SMS | SPRT largest | fixed-N P(pass) | fixed-N SMS | fewer SMS |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...simulations.map(simulationRow),
      '',
      `False pass at p0 = ${design.p0.toFixed(3)}: SPRT ${atP0.sprt.passRate.toFixed(3)}, fixed-N ${atP0.fixedPassRate.toFixed(3)}. ` +
        `False fail at p1 = ${design.p1.toFixed(3)}: SPRT ${(1 - atP1.sprt.passRate).toFixed(3)}, fixed-N ${(1 - atP1.fixedPassRate).toFixed(3)} (both designed for ${design.alpha}). ` +
        'Capping the SPRT at the fixed N, where an undecided test falls back to the observed rate, costs it some of its false-pass guarantee near p0; ' +
        'between p0 and p1 is the indifference zone, where either verdict is acceptable and the sequential test spends the most.',
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
  readonly sprt: SprtSimulation;
  readonly fixedPassRate: number;
  readonly fixed: FixedSampleTest;
}

function simulate(p: number, params: SequentialParams, fixed: FixedSampleTest): Simulation {
  return {
    p,
    sprt: simulateSprt(p, params, SIMULATION_TRIALS, rng(`sprt/${p}`)),
    fixedPassRate: simulateFixed(p, fixed, SIMULATION_TRIALS, rng(`fixed/${p}`)),
    fixed,
  };
}

function simulationRow({ p, sprt, fixedPassRate, fixed }: Simulation): string {
  return (
    `| ${p.toFixed(3)} | ${sprt.passRate.toFixed(3)} | ${sprt.meanSamples.toFixed(1)} | ${sprt.maxSamplesUsed} | ` +
    `${fixedPassRate.toFixed(3)} | ${fixed.samples} | ${percentFewer(sprt.meanSamples, fixed.samples)} |`
  );
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
