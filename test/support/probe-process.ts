// The real probe as a child process (`node lib/cli.js probe …`, built by `npm test`'s pretest): its
// JSON log lines parsed as they arrive, so tests wait for events (listening, a run, a reload) rather
// than for time to pass.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { cliPath, repoRoot } from './cli.js';

export type LogLine = Record<string, unknown> & { level: string; msg: string; event?: string };

export interface ProbeProcess {
  readonly child: ChildProcess;
  /** Base URL, from the `listening` log line. */
  readonly url: string;
  readonly logs: readonly LogLine[];
  stderr(): string;
  /** The first log line (already written or still to come) that matches. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once `count` lines match. */
  waitForLogs(matches: (line: LogLine) => boolean, count: number, timeoutMs?: number): Promise<LogLine[]>;
  readonly exited: Promise<number | null>;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ProbeProcessOptions {
  /** Started under `ulimit -n` this low (soft and hard), as an operator's shell or container might. */
  readonly openFileLimit?: number;
}

export function startProbeProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: ProbeProcessOptions = {}): Promise<ProbeProcess> {
  const command = [process.execPath, cliPath, 'probe', ...args];
  const [file, ...argv] =
    options.openFileLimit === undefined ? command : ['bash', '-c', `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`, ...command];
  const child = spawn(file!, argv, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const arrivals = new EventEmitter();
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const text of lines.filter(Boolean)) {
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      arrivals.emit('line', line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    arrivals.emit('exit');
    resolve(code);
  }));

  const waitForLogs = (matches: (line: LogLine) => boolean, count: number, timeoutMs = 20_000): Promise<LogLine[]> =>
    new Promise((resolve, reject) => {
      const found = logs.filter(matches);
      if (found.length >= count) return resolve(found.slice(0, count));
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms waiting for ${count} log lines (saw ${found.length})`), timeoutMs);
      const onLine = (line: LogLine) => {
        if (!matches(line)) return;
        found.push(line);
        if (found.length < count) return;
        cleanup();
        resolve(found);
      };
      const onExit = () => fail(`the probe exited while waiting for log lines; stderr:\n${stderr}`);
      const cleanup = () => {
        clearTimeout(timer);
        arrivals.off('line', onLine).off('exit', onExit);
      };
      const fail = (message: string) => {
        cleanup();
        reject(new Error(message));
      };
      arrivals.on('line', onLine).on('exit', onExit);
    });

  return waitForLogs((line) => line.event === 'listening', 1).then(
    ([listening]) => ({
      child,
      url: listening!.url as string,
      logs,
      stderr: () => stderr,
      waitForLog: (matches, timeoutMs) => waitForLogs(matches, 1, timeoutMs).then(([line]) => line!),
      waitForLogs,
      exited,
      stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    }),
    (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (label values without escaped quotes, as ours are). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key!, value!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; undefined when absent. */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
