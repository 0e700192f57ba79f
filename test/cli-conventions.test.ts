// The CLI keeps the conventions of command-line tools (clig.dev, no-color.org): colour only for a
// terminal, data on stdout and messages on stderr, one-line usage errors (exit 2) found before anything
// is sent, and help for each command.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_P95_DELIVERY_SECONDS_RULE, MIN_SUCCESS_RATE_RULE } from '../src/fields/fields.js';
import { cliPath, repoRoot, runCli, SANDBOX_CHECK_CONFIG, writeConfigIn } from './support/cli.js';

const ESCAPE = '\u001b[';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-conventions-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `shellCommand` under script(1), so its stdout and stderr are a terminal unless redirected; returns what the terminal showed. */
function onTerminal(shellCommand: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn('script', ['-qec', shellCommand, '/dev/null'], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let shown = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (shown += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(shown));
  });
}

const cli = `"${process.execPath}" "${cliPath}"`;

describe('colour', () => {
  it('writes no escape codes to a redirected stdout while stderr is a terminal', async () => {
    const out = join(dir, 'table.txt');
    await onTerminal(`${cli} run --samples 1 > "${out}"`);

    const table = await readFile(out, 'utf8');
    expect(table).toMatch(/Gate (PASSED|FAILED)/);
    expect(table).not.toContain(ESCAPE);
  });

  it('colours a pipe when FORCE_COLOR asks for it', async () => {
    const { stdout } = await runCli(['run', '--samples', '1'], { env: { FORCE_COLOR: '1' } });

    // eslint-disable-next-line no-control-regex -- an ANSI colour escape is what the test looks for
    expect(stdout).toMatch(/\u001b\[3[12]mGate (PASSED|FAILED)/);
  });

  it('writes no colour to a terminal when NO_COLOR is set', async () => {
    const shown = await onTerminal(`${cli} run --samples 1 --no-progress`, { NO_COLOR: '1' });

    expect(shown).toMatch(/Gate (PASSED|FAILED)/);
    expect(shown).not.toContain(ESCAPE);
  });

  it('colours a terminal', async () => {
    const shown = await onTerminal(`${cli} run --samples 1 --no-progress`);

    // eslint-disable-next-line no-control-regex -- an ANSI colour escape is what the test looks for
    expect(shown).toMatch(/\u001b\[3[12]mGate (PASSED|FAILED)/);
  });
});

const configFile = (text: string) => writeConfigIn(dir, text);
const SANDBOX_CHECK = SANDBOX_CHECK_CONFIG;

describe('gate thresholds', () => {
  it('refuses --min-success-rate 0 as bad usage, in one line naming the flag', async () => {
    const { code, stdout, stderr } = await runCli(['run', '--min-success-rate', '0']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(`otp-canary: --min-success-rate ${MIN_SUCCESS_RATE_RULE}, got "0"`);
  });

  it('refuses gate.minSuccessRate 0 in a config with the same rule, at its path', async () => {
    const { code, stderr } = await runCli(['validate', '--config', await configFile(`${SANDBOX_CHECK}gate: { minSuccessRate: 0 }\n`)]);

    expect(code).toBe(2);
    expect(stderr).toContain(`gate.minSuccessRate: ${MIN_SUCCESS_RATE_RULE}`);
  });

  it('refuses --max-p95-delivery-seconds 0 as bad usage, in one line naming the flag', async () => {
    const { code, stdout, stderr } = await runCli(['run', '--max-p95-delivery-seconds', '0']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(`otp-canary: --max-p95-delivery-seconds ${MAX_P95_DELIVERY_SECONDS_RULE}, got "0"`);
  });

  it('refuses gate.maxP95DeliverySeconds 0 in a config with the same rule, at its path', async () => {
    const { code, stderr } = await runCli(['validate', '--config', await configFile(`${SANDBOX_CHECK}gate: { maxP95DeliverySeconds: 0 }\n`)]);

    expect(code).toBe(2);
    expect(stderr).toContain(`gate.maxP95DeliverySeconds: ${MAX_P95_DELIVERY_SECONDS_RULE}`);
  });
});

describe('run --json', () => {
  it('writes the report alone to stdout with --json -, the table to stderr', async () => {
    const { stdout, stderr } = await runCli(['run', '--samples', '1', '--json', '-']);

    const report = JSON.parse(stdout) as { checks: unknown[] };
    expect(report.checks).toHaveLength(3);
    expect(stderr).toMatch(/Gate (PASSED|FAILED)/);
    expect(stderr).not.toContain('report written to');
  });

  it('refuses a report path in a missing directory before the run starts, exit 2', async () => {
    const path = join(dir, 'missing', 'report.json');
    const { code, stdout, stderr } = await runCli(['run', '--samples', '1', '--json', path]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(`otp-canary: --json ${path} cannot be written: its directory does not exist`);
    expect(stderr).not.toContain('demo checks');
  });

  it('refuses a report path that is a directory before the run starts, exit 2', async () => {
    const { code, stderr } = await runCli(['run', '--samples', '1', '--json', dir]);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`otp-canary: --json ${dir} cannot be written: it is a directory`);
  });
});

describe('a port in use', () => {
  let holder: Server;
  let port: number;

  beforeEach(async () => {
    holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    port = (holder.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await new Promise((resolve) => holder.close(resolve));
  });

  const inUse = () => `otp-canary: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens there: choose another port)`;

  it('is bad usage for the sandbox, one line naming the address', async () => {
    const { code, stderr } = await runCli(['sandbox', '--port', String(port)]);

    expect(code).toBe(2);
    expect(stderr).toBe(`${inUse()}\n`);
  });

  it('is bad usage for the probe, one line naming the address', async () => {
    const { code, stderr } = await runCli(['probe', '--host', '127.0.0.1', '--port', String(port)]);

    expect(code).toBe(2);
    expect(stderr).toBe(`${inUse()}\n`);
  });

  it("is bad usage for run's webhook receiver, before anything is sent", async () => {
    const config = SANDBOX_CHECK.replace('inbox: { type: sandbox }', `inbox: { type: webhook, format: twilio, authToken: secret, listen: { host: 127.0.0.1, port: ${port} } }`);
    const { code, stdout, stderr } = await runCli(['run', '--samples', '1', '--config', await configFile(config)]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${inUse()}\n`);
    expect(stderr).not.toContain('internal error');
  });
});

describe('durations', () => {
  it('refuses a config duration a timer cannot hold, at its path', async () => {
    const config = `${SANDBOX_CHECK}    timeouts: { delivery: 600h }\n`;
    const { code, stderr } = await runCli(['validate', '--config', await configFile(config)]);

    expect(code).toBe(2);
    expect(stderr).toContain('checks[0].timeouts.delivery: "600h" is longer than 2147483647 ms (about 24.8 days), the longest a timer can wait');
  });

  it('refuses a --grace a timer cannot hold', async () => {
    const { code, stderr } = await runCli(['probe', '--grace', '600h']);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('otp-canary: --grace "600h" is longer than 2147483647 ms (about 24.8 days), the longest a timer can wait');
  });
});

describe('help and usage errors', () => {
  it.each([[['run', '--help']], [['help', 'run']]])("prints run's own usage: otp-canary %j", async (args) => {
    const { code, stdout } = await runCli(args);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: otp-canary run /);
    expect(stdout).toContain('--min-success-rate');
    expect(stdout).not.toContain('--grace');
  });

  it.each([
    [['run', '--sampels', '3'], 'unknown option --sampels', 'run'],
    [['run', '--json'], '--json needs a value', 'run'],
    [['run', '--json', '--samples', '3'], '--json needs a value, got the option-like "--samples" (write --json=--samples if that is the value)', 'run'],
    [['run', '--min-success-rate', '-0.5'], '--min-success-rate needs a value, got the option-like "-0.5" (write --min-success-rate=-0.5 if that is the value)', 'run'],
    [['run', '--sequential=yes'], '--sequential takes no value, got "yes"', 'run'],
    [['validate', 'otp-canary.yml'], 'unexpected argument "otp-canary.yml"', 'validate'],
  ])('refuses otp-canary %j in one line, pointing at the command\'s help', async (args, message, command) => {
    const { code, stdout, stderr } = await runCli(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`otp-canary: ${message}\nRun "otp-canary ${command} --help" for usage.\n`);
  });
});

describe('the table', () => {
  it('fits 100 columns for the demo checks', async () => {
    const { stdout } = await runCli(['run', '--samples', '2']);

    const table = stdout.slice(0, stdout.search(/Gate (PASSED|FAILED)/));
    expect(table).toContain('success rate');
    for (const line of table.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe('extract -', () => {
  it('reads the message from stdin', async () => {
    const child = spawn(process.execPath, [cliPath, 'extract', '-'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stdin.end('G-482913 is your Google verification code.\n');
    const [code] = (await once(child, 'close')) as [number | null];

    expect(code).toBe(0);
    expect(stdout).toBe('482913\n');
  });
});

describe('masked codes', () => {
  it('show no character of a six-digit code in the report', async () => {
    const { stdout } = await runCli(['run', '--samples', '2', '--json', '-']);

    const report = JSON.parse(stdout) as { checks: { runs: { code?: string }[] }[] };
    const codes = report.checks.flatMap((check) => check.runs.flatMap((run) => (run.code === undefined ? [] : [run.code])));
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(code).toBe('••••••');
  });
});
