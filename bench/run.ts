// `npm run bench`: runs every benchmark section over loopback and writes docs/benchmarks.md with the
// machine, the date and every figure. Sections other modules own are loaded if present; a missing one
// is noted in the document rather than failing the run.

import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchExtract } from './extract.js';
import type { BenchSection } from './section.js';
import { benchTruth } from './truth.js';

/** Optional sections: module file (next to this one) and the function it exports. */
const OPTIONAL_SECTIONS = [
  ['action', 'benchAction'],
  ['sequential', 'benchSequential'],
  ['probe', 'benchProbe'],
] as const;

type SectionRunner = () => Promise<BenchSection>;

async function optionalSection(file: string, exportName: string): Promise<SectionRunner> {
  const url = new URL(`./${file}.js`, import.meta.url);
  let module: Record<string, unknown>;
  try {
    module = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(url.pathname);
    if (!missing) throw error;
    return async () => ({ title: `bench/${file}.ts`, lines: [`Not run: bench/${file}.ts does not exist yet.`] });
  }
  const run = module[exportName];
  if (typeof run !== 'function') throw new TypeError(`bench/${file}.ts does not export a function ${exportName}()`);
  return run as SectionRunner;
}

async function main(): Promise<void> {
  const runners: [string, SectionRunner][] = [
    ['truth', benchTruth],
    ['extract', benchExtract],
    ...(await Promise.all(OPTIONAL_SECTIONS.map(async ([file, name]) => [file, await optionalSection(file, name)] as [string, SectionRunner]))),
  ];
  const startLoad = loadavg();
  const sections: BenchSection[] = [];
  for (const [name, run] of runners) {
    process.stderr.write(`bench: ${name}…\n`);
    const started = performance.now();
    sections.push(await run());
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const path = join(process.cwd(), 'docs', 'benchmarks.md');
  await writeFile(path, render(sections, startLoad));
  process.stderr.write(`bench: wrote ${path}\n`);
}

function render(sections: readonly BenchSection[], startLoad: readonly number[]): string {
  const cpu = cpus();
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below comes from that run. Everything talks to',
    'loopback only: the embedded sandbox plays the carrier, the OTP service and the inbox.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform}/${process.arch}`,
    `- Node.js ${process.versions.node}`,
    `- Load average when the run started (1, 5, 15 min): ${startLoad.map((load) => load.toFixed(2)).join(', ')}`,
    '',
    ...sections.flatMap((section) => [`## ${section.title}`, '', ...section.lines, '']),
  ].join('\n');
}

await main();
