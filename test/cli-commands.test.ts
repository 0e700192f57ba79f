// The CLI's contract outside `run`'s happy paths: exit codes, config and usage errors that name what is
// wrong and where, validate, schema, extract, the standalone sandbox and the installed bin.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, repoRoot, runCli, SANDBOX_CHECK_CONFIG, writeConfigIn } from './support/cli.js';
import { freePort } from './support/ports.js';
import { VERSION } from '../src/version.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configFile = (text: string) => writeConfigIn(dir, text);
const VALID = SANDBOX_CHECK_CONFIG;

/** Four independent mistakes, so the error must list them all, each at its path. */
const BROKEN = `
checks:
  - name: signup
    number: "555-0100"
    trigger: { type: sandbox, retries: 3 }
    inbox: { type: webhook, format: twilio, authToken: "\${OTP_CANARY_TEST_UNSET_TOKEN}" }
    verify: { type: sandbox }
    timeouts: { delivery: soon }
`;

describe('config errors', () => {
  it('lists every problem with its path and exits 2 from run', async () => {
    const { code, stdout, stderr } = await runCli(['run', '--config', await configFile(BROKEN)]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('4 problems');
    expect(stderr).toMatch(/checks\[0\]\.number: .*E\.164/);
    expect(stderr).toMatch(/checks\[0\]\.trigger\.retries: unknown key/);
    expect(stderr).toMatch(/checks\[0\]\.inbox\.authToken: environment variable OTP_CANARY_TEST_UNSET_TOKEN is not set/);
    expect(stderr).toMatch(/checks\[0\]\.timeouts\.delivery: .*duration/);
  });

  it('exits 2 naming the file when the config cannot be read', async () => {
    const missing = join(dir, 'nope.yml');
    const { code, stderr } = await runCli(['run', '--config', missing]);

    expect(code).toBe(2);
    expect(stderr).toContain(`${missing}: cannot read the config file`);
  });

  it('exits 2 listing the known checks when --checks names an unknown one', async () => {
    const { code, stderr } = await runCli(['run', '--config', await configFile(VALID), '--checks', 'login']);

    expect(code).toBe(2);
    expect(stderr).toContain('no check is named "login" (known: signup)');
  });
});

describe('usage errors', () => {
  it.each([
    [['run', '--samples', 'abc'], '--samples must be a whole number'],
    [['run', '--min-success-rate', '1.5'], '--min-success-rate must be a number greater than 0 and at most 1'],
    [['validate'], 'validate needs --config FILE'],
    [['sandbox', '--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
  ])('exits 2 naming the problem: otp-canary %j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain(`otp-canary ${args[0]} --help`);
  });

  it('exits 2 on an unknown command, pointing at the global help', async () => {
    const { code, stderr } = await runCli(['deploy']);

    expect(code).toBe(2);
    expect(stderr).toBe('otp-canary: unknown command "deploy"\nRun "otp-canary --help" for usage.\n');
  });
});

describe('help', () => {
  it.each([[['--help']], [['probe', '--help']], [['run', '-h']]])('prints the usage and exits 0: otp-canary %j', async (args) => {
    const { code, stdout } = await runCli(args);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
  });
});

describe('run --sequential', () => {
  it('exits 2 when there is no minimum success rate to test against', async () => {
    const { code, stderr } = await runCli(['run', '--sequential', '--config', await configFile(VALID)]);

    expect(code).toBe(2);
    expect(stderr).toContain('the sequential gate tests against a minimum success rate');
  });

  it('exits 2 before sending anything when samples cannot hold the sequential test\'s error rates', async () => {
    const { code, stderr } = await runCli(['run', '--sequential', '--min-success-rate', '0.95', '--samples', '20', '--config', await configFile(VALID)]);

    expect(code).toBe(2);
    expect(stderr).toContain('samples 20 is too small for the sequential gate at a minimum success rate of 0.95: it needs at least 206');
  });
});

describe('weak secrets', () => {
  it.each([['validate'], ['run'], ['probe']])('%s exits 2 on a probe.token shorter than 16 characters, saying its length and never its value', async (command) => {
    const path = await configFile(`${VALID}\nprobe: { token: "\${PROBE_TOKEN}", host: 127.0.0.1, port: 0 }\n`);

    const { code, stderr } = await runCli([command, '--config', path], { env: { PROBE_TOKEN: 'tok-3f9a' } });

    expect(code).toBe(2);
    expect(stderr).toContain('probe.token: must be at least 16 characters (got 8)');
    expect(stderr).not.toContain('tok-3f9a');
  });
});

describe('validate', () => {
  it('exits 0 and names the checks of a valid config', async () => {
    const path = await configFile(VALID);
    const { code, stdout } = await runCli(['validate', '--config', path]);

    expect(code).toBe(0);
    expect(stdout).toBe(`${path}: valid (1 check: signup)\n`);
  });

  it('exits 2 listing the problems of an invalid config', async () => {
    const { code, stderr } = await runCli(['validate', '--config', await configFile(BROKEN)]);

    expect(code).toBe(2);
    expect(stderr).toContain('4 problems');
  });

  it('with --skip-env, checks the structure of a config whose variables are unset, and names them', async () => {
    const { code, stdout } = await runCli(['validate', '--config', 'examples/otp-canary.yml', '--skip-env']);

    expect(code).toBe(0);
    expect(stdout).toBe('examples/otp-canary.yml: valid structure; not checked: the fields that use 4 unset variables STAGING_API_TOKEN, TWILIO_AUTH_TOKEN, SMS_GATEWAY_SECRET, PROBE_TOKEN\n');
  });

  it('with --skip-env, still lists every structural problem, and only those', async () => {
    const { code, stderr } = await runCli(['validate', '--config', await configFile(BROKEN), '--skip-env']);

    expect(code).toBe(2);
    expect(stderr).toContain('3 problems');
    expect(stderr).not.toContain('OTP_CANARY_TEST_UNSET_TOKEN');
  });

  it('without --skip-env, refuses the same config naming each unset variable where it is used', async () => {
    const { code, stderr } = await runCli(['validate', '--config', 'examples/otp-canary.yml']);

    expect(code).toBe(2);
    expect(stderr).toContain('checks[0].inbox.authToken: environment variable TWILIO_AUTH_TOKEN is not set');
  });
});

describe('init', () => {
  it('writes an annotated config that validates and runs as it is, against the embedded sandbox', async () => {
    const init = await runCli(['init'], { cwd: dir });
    const validate = await runCli(['validate', '--config', 'otp-canary.yml'], { cwd: dir });
    const run = await runCli(['run', '--config', 'otp-canary.yml', '--samples', '2', '--no-progress'], { cwd: dir });

    expect(init).toMatchObject({ code: 0, stdout: expect.stringContaining('wrote otp-canary.yml') });
    expect(validate).toMatchObject({ code: 0, stdout: 'otp-canary.yml: valid (1 check: signup)\n' });
    // Its carrier loses one SMS in fifty, so a verdict either way is the template working.
    expect([0, 1], run.stderr).toContain(run.code);
    expect(run.stdout).toMatch(/Gate (PASSED|FAILED)/);
  });

  it('never overwrites a file unless told to with --force', async () => {
    await writeFile(join(dir, 'otp-canary.yml'), 'mine\n');

    const refused = await runCli(['init'], { cwd: dir });
    const forced = await runCli(['init', '--force'], { cwd: dir });

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('otp-canary.yml already exists: pass --force to overwrite it');
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'otp-canary.yml'), 'utf8')).toContain('written by `otp-canary init`');
  });
});

describe('schema', () => {
  it('prints the config JSON Schema', async () => {
    const { code, stdout } = await runCli(['schema']);

    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema['$schema']).toMatch(/^https:\/\/json-schema\.org\//);
    expect(schema).toHaveProperty('properties.checks');
  });
});

describe('extract', () => {
  it('prints the code alone and exits 0', async () => {
    const { code, stdout } = await runCli(['extract', 'G-482913 is your Google verification code.']);

    expect(code).toBe(0);
    expect(stdout).toBe('482913\n');
  });

  it('prints nothing and exits 1 when there is no code', async () => {
    const { code, stdout } = await runCli(['extract', 'Your parcel is on its way.']);

    expect(code).toBe(1);
    expect(stdout).toBe('');
  });

  it('exits 2 on a code pattern without a code group', async () => {
    const { code, stderr } = await runCli(['extract', 'code 1234', '--pattern', '\\d+']);

    expect(code).toBe(2);
    expect(stderr).toContain('code pattern has no named group "code"');
  });
});

describe('version', () => {
  it('prints the version through npx from the repository root', async () => {
    const child = spawn('npx', ['--no-install', 'otp-canary', '--version'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];

    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});

describe('sandbox', () => {
  it('serves the sandbox on the given port and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [cliPath, 'sandbox', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await announced(child.stdout, `listening on http://127.0.0.1:${port}`);
      const health = await fetch(`http://127.0.0.1:${port}/_sandbox/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual([0, null]);
  });
});

/** Resolves once `text` has appeared on the stream; rejects if the stream ends first. */
function announced(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes(text)) resolve();
    });
    stream.on('end', () => reject(new Error(`the process ended without printing "${text}"; it printed: ${seen}`)));
  });
}
