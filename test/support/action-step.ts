// The bundled Action (dist/index.js) run the way the runner runs it: INPUT_* variables named as the
// runner names them (upper-cased, hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a fresh
// workspace, and nothing else from this environment.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { repoRoot } from './cli.js';
import { NODE24, requireExecutable } from './prerequisites.js';

export const ACTION = join(repoRoot, 'dist/index.js');
export const RUNTIMES = [
  ['Node 20', process.execPath],
  ['Node 24', NODE24],
] as const;

export interface StepResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly dir: string;
  /** Wall-clock time the process exited. */
  readonly exitedAt: number;
}

export interface StepOptions {
  /** The step is killed (and its test fails on a null exit code) once it has run this long. */
  readonly killAfterMs?: number;
}

/** Long enough for a sandbox gate of a few runs on a loaded machine; a longer step says so in its options. */
const KILL_AFTER_MS = 25_000;

export async function runStep(node: string, inputs: Record<string, string>, env: Record<string, string> = {}, options: StepOptions = {}): Promise<StepResult> {
  return (await startStep(node, inputs, env, options)).result;
}

/** The step still running, for a test that signals it as the runner does when a job is cancelled. */
export interface RunningStep {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once stdout holds `text`; rejects if the step ends first. */
  printed(text: string): Promise<void>;
  readonly result: Promise<StepResult>;
}

export async function startStep(node: string, inputs: Record<string, string>, env: Record<string, string> = {}, options: StepOptions = {}): Promise<RunningStep> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-action-'));
  const outputFile = join(dir, 'github-output');
  const summaryFile = join(dir, 'step-summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const stepEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...env,
  };
  for (const [name, value] of Object.entries(inputs)) stepEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const child = spawn(requireExecutable(node), [ACTION], { cwd: dir, env: stepEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? KILL_AFTER_MS);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const result = exited.then(async (code) => ({
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    dir,
    exitedAt: Date.now(),
  }));
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!stdout.includes(text)) return;
        child.stdout.off('data', look);
        resolve();
      };
      child.stdout.on('data', look);
      void exited.then((code) => reject(new Error(`the step exited (${code}) before printing "${text}":\n${stdout}\n${stderr}`)));
      look();
    });
  return { child, printed, result };
}

/** GITHUB_OUTPUT's `name<<DELIMITER\nvalue\nDELIMITER` records. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const record = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(record)) outputs[match[1]!] = match[3]!;
  return outputs;
}
