// The probe's costs: memory when idle (against a bare node process), memory after 10,000 recorded runs
// (it must stay bounded), /metrics render time with 100 checks, and the CPU 100 checks scheduled every
// minute use. Processes are the real CLI (lib/cli.js, built by `npm run bench`); the recording pipeline
// is driven in-process with the real metrics, recent-runs memory, logger and rotating audit file.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stringify } from 'yaml';
import { FAILURE_REASONS, FAILURE_REASON_NAMES } from '../src/core/outcome.js';
import type { RunRecord } from '../src/core/types.js';
import { createAuditLog } from '../src/probe/audit.js';
import { createLogger } from '../src/probe/logger.js';
import { createProbeMetrics, type ProbeMetrics } from '../src/probe/metrics.js';
import { RecentRuns } from '../src/probe/recent-runs.js';
import { createRecorder } from '../src/probe/recorder.js';
import type { BenchSection } from './section.js';

const CLI = join(process.cwd(), 'lib', 'cli.js');
const RUNS = 10_000;
const CHECKS = 100;
const PAGE_SIZE = 4096;
const TICKS_PER_SECOND = 100;

export async function benchProbe(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-bench-probe-'));
  try {
    const idle = await idleRss(dir);
    const recording = await recordingMemory(dir);
    const render = await renderTime();
    const cpu = await scheduledCpu(dir);
    return {
      title: 'Probe: memory, /metrics and CPU',
      lines: [
        '| measure | value |',
        '| --- | --- |',
        `| RSS of a bare \`node\` process | ${mib(idle.bare)} |`,
        `| RSS of an idle probe (${CHECKS} checks registered, embedded sandbox) | ${mib(idle.probe)} (+${mib(idle.probe - idle.bare)}) |`,
        `| heap after ${recording.early.toLocaleString('en')} recorded runs → after ${RUNS.toLocaleString('en')} | ${mib(recording.heapEarly)} → ${mib(recording.heapLate)} |`,
        `| RSS after ${recording.early.toLocaleString('en')} recorded runs → after ${RUNS.toLocaleString('en')} | ${mib(recording.rssEarly)} → ${mib(recording.rssLate)} |`,
        `| recording one run (metrics, recent runs, log line; audit line queued) | ${recording.microsPerRun.toFixed(1)} µs |`,
        `| \`/metrics\` render, ${CHECKS} checks (${render.bytes.toLocaleString('en')} bytes of ours) | median ${render.medianMs.toFixed(2)} ms, max ${render.maxMs.toFixed(2)} ms over ${render.samples} renders |`,
        `| CPU of ${CHECKS} checks every minute against the embedded sandbox | ${cpu.cpuSeconds.toFixed(2)} CPU-s per ${cpu.windowSeconds.toFixed(0)} s (${((cpu.cpuSeconds / cpu.windowSeconds) * 100).toFixed(1)}% of one core), ${cpu.runs} runs |`,
        '',
        'Heap figures are after a full garbage collection. Recording keeps at most probe.recentRuns records (500 here) and 50 per check, metrics are per check and',
        'the audit file rotates by size, so what a long-running probe retains stops growing once those bounds are reached.',
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------------

function sandboxChecks(schedule: string) {
  return Array.from({ length: CHECKS }, (_, index) => ({
    name: `check-${String(index).padStart(3, '0')}`,
    number: `+1555555${String(2000 + index)}`,
    trigger: { type: 'sandbox' },
    inbox: { type: 'sandbox' },
    verify: { type: 'sandbox' },
    policy: { resendWindow: '0s' },
    schedule,
  }));
}

async function writeProbeConfig(dir: string, schedule: string): Promise<string> {
  const path = join(dir, `probe-${schedule.replace(/\W/g, '')}.yml`);
  const config = {
    location: 'bench',
    sandbox: { carrier: { delay: { median: '50ms', p95: '200ms' } }, otp: { resendWindow: '0s' } },
    checks: sandboxChecks(schedule),
    probe: { host: '127.0.0.1' },
  };
  await writeFile(path, stringify(config));
  return path;
}

interface Spawned {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line that satisfies `test` (JSON log lines). */
  waitFor(test: (line: Record<string, unknown>) => boolean, count?: number): Promise<void>;
}

function spawnNode(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as Record<string, unknown>);
    for (const listener of listeners) listener();
  });
  return {
    child,
    waitFor: (test, count = 1) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter(test).length < count) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        child.once('exit', () => reject(new Error('the process exited early')));
        check();
      }),
  };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function rssOf(pid: number): Promise<number> {
  const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
  return Number(statm.split(' ')[1]) * PAGE_SIZE;
}

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleRss(dir: string): Promise<{ bare: number; probe: number }> {
  const bare = spawnNode(['-e', 'console.log("{\\"ready\\":true}"); setInterval(() => {}, 1000)']);
  await bare.waitFor((line) => line.ready === true);
  await settle(2_000);
  const bareRss = await rssOf(bare.child.pid!);
  await stopProcess(bare.child);

  const probe = spawnNode([CLI, 'probe', '--config', await writeProbeConfig(dir, '0 0 1 1 *'), '--port', '0']);
  await probe.waitFor((line) => line.event === 'schedules_registered');
  await settle(2_000);
  const probeRss = await rssOf(probe.child.pid!);
  await stopProcess(probe.child);
  return { bare: bareRss, probe: probeRss };
}

/** A full garbage collection, so heap figures show what is retained rather than what awaits collection. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The recording path, 10,000 times: the real metrics, recent-runs memory, logger and rotating audit file. */
async function recordingMemory(dir: string) {
  const metrics = createProbeMetrics({ version: 'bench', location: 'bench', checks: sandboxChecks('* * * * *').slice(0, 10) });
  const recent = new RecentRuns({ perCheck: 50, overall: 500 });
  const logger = createLogger({ destination: { write: () => undefined } });
  const audit = createAuditLog({ path: join(dir, 'audit', 'audit.jsonl'), maxBytes: 1_000_000, keep: 2 });
  const recorder = createRecorder({ metrics, recent, logger, audit });
  const early = 2_000;
  const measure = async () => {
    await audit.flush();
    collectGarbage();
    return process.memoryUsage();
  };
  let heapEarly = 0;
  let rssEarly = 0;
  let elapsedMs = 0;
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    recorder.recordRun(syntheticRun(index));
    elapsedMs += performance.now() - started;
    if (index % 500 === 499) await audit.flush();
    if (index === early - 1) ({ heapUsed: heapEarly, rss: rssEarly } = await measure());
  }
  const { heapUsed: heapLate, rss: rssLate } = await measure();
  await audit.close();
  return { early, heapEarly, heapLate, rssEarly, rssLate, microsPerRun: (elapsedMs * 1000) / RUNS };
}

function syntheticRun(index: number): RunRecord {
  const reason = index % 7 === 0 ? FAILURE_REASON_NAMES[index % FAILURE_REASON_NAMES.length]! : undefined;
  const deliverMs = 800 + (index % 50) * 37;
  return {
    id: `run-${index}`,
    check: `check-${String(index % 10).padStart(3, '0')}`,
    location: 'bench',
    number: '+1555•••0100',
    startedAt: new Date(Date.now() - 5_000).toISOString(),
    outcome: reason === undefined ? 'success' : 'failure',
    ...(reason !== undefined && { reason, stage: 'deliver' as const, origin: FAILURE_REASONS[reason].origin, detail: `synthetic ${reason}` }),
    warnings: [],
    timings: { triggerMs: 120, deliverMs, extractMs: 0.2, verifyMs: 90, totalMs: deliverMs + 210 },
    deliverySeconds: deliverMs / 1000,
  };
}

async function renderTime(): Promise<{ medianMs: number; maxMs: number; samples: number; bytes: number }> {
  const metrics: ProbeMetrics = createProbeMetrics({ version: 'bench', location: 'bench', checks: sandboxChecks('* * * * *') });
  for (let index = 0; index < 10 * CHECKS; index += 1) metrics.recordRun({ ...syntheticRun(index), check: `check-${String(index % CHECKS).padStart(3, '0')}` });
  const samples: number[] = [];
  for (let index = 0; index < 30; index += 1) {
    const started = performance.now();
    await metrics.render();
    samples.push(performance.now() - started);
  }
  const bytes = (await metrics.renderOwn()).length;
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)]!, maxMs: samples.at(-1)!, samples: samples.length, bytes };
}

/** One minute of a probe with 100 checks on `* * * * *`: exactly one tick of each falls in any 60 s window. */
async function scheduledCpu(dir: string): Promise<{ cpuSeconds: number; windowSeconds: number; runs: number }> {
  const probe = spawnNode([CLI, 'probe', '--config', await writeProbeConfig(dir, '* * * * *'), '--port', '0', '--log-level', 'info']);
  await probe.waitFor((line) => line.event === 'schedules_registered');
  const startCpu = await cpuSecondsOf(probe.child.pid!);
  const startedAt = performance.now();
  await probe.waitFor((line) => line.event === 'run', CHECKS);
  const remaining = 60_000 - (performance.now() - startedAt);
  if (remaining > 0) await settle(remaining);
  const cpuSeconds = (await cpuSecondsOf(probe.child.pid!)) - startCpu;
  const windowSeconds = (performance.now() - startedAt) / 1000;
  await stopProcess(probe.child);
  return { cpuSeconds, windowSeconds, runs: CHECKS };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
