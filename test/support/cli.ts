// Runs the real, compiled CLI (lib/cli.js, built by `npm test`'s pretest) as a user would.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../lib/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  node?: string;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** The CLI still running, for a test that signals it. */
export interface RunningCli {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly result: Promise<CliResult>;
}

export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(options.node ?? process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, result };
}

/** The smallest config that runs: one check, every step against the embedded sandbox. */
export const SANDBOX_CHECK_CONFIG = `
checks:
  - name: signup
    number: "+15555550100"
    trigger: { type: sandbox }
    inbox: { type: sandbox }
    verify: { type: sandbox }
`;

/** Writes `text` as otp-canary.yml in `dir`; returns its path. */
export async function writeConfigIn(dir: string, text: string): Promise<string> {
  const path = join(dir, 'otp-canary.yml');
  await writeFile(path, text);
  return path;
}
