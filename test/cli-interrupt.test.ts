// `otp-canary run` cut short by SIGINT/SIGTERM: the compiled CLI against a sandbox this test starts,
// signalled while exactly one run is in flight (its send held by the sandbox). What ended is reported,
// marked incomplete, and never passes; the run in flight is recorded as cancelled; nothing starts after.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import type { Report } from '../src/core/report.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startCli, type RunningCli } from './support/cli.js';
import { specExample, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { freePort } from './support/ports.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const NUMBER = '+15555550100';
const TOKEN_VAR = 'OTP_CANARY_TEST_WEBHOOK_TOKEN';
const TOKEN = 'test-auth-token-7f3a';
const SAMPLES = 150;
/** Long enough that a held request is still held when the test signals. */
const TIMEOUTS = { delivery: '30s', total: '60s', step: '30s' };
/** For the CLI to get through a few runs, on a machine shared with other test suites. */
const WAIT = { timeout: 20_000, interval: 20 };

let dir: string;
let sandbox: Sandbox | undefined;
let twilio: FakeTwilio | undefined;
let cli: RunningCli | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-interrupt-'));
});

afterEach(async () => {
  cli?.child.kill('SIGKILL');
  await cli?.result;
  await sandbox?.close();
  await twilio?.close();
  cli = sandbox = twilio = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Starts the CLI on a one-check config: 150 samples, one at a time, a gate the sandbox easily meets. */
async function startRun(check: Record<string, unknown>): Promise<{ running: RunningCli; reportPath: string }> {
  const configPath = join(dir, 'otp-canary.yml');
  const reportPath = join(dir, 'report.json');
  await writeFile(configPath, stringify({ location: 'ci', checks: [{ name: 'signup', number: NUMBER, timeouts: TIMEOUTS, ...check }] }));
  const args = ['run', '--config', configPath, '--samples', String(SAMPLES), '--concurrency', '1', '--min-success-rate', '0.5', '--json', reportPath];
  cli = startCli(args, { env: { [TOKEN_VAR]: TOKEN } });
  return { running: cli, reportPath };
}

/** The team's app (http steps) on the sandbox, which pushes each SMS to the CLI's webhook receiver. */
async function sandboxCheck(): Promise<{ sandbox: Sandbox; check: Record<string, unknown> }> {
  const webhookPort = await freePort();
  sandbox = await startSandbox({
    seed: 11,
    carrier: { delayMedianMs: 20, delayP95Ms: 60 },
    otp: { resendWindowMs: 0 },
    webhook: { url: `http://127.0.0.1:${webhookPort}/webhooks/twilio`, authToken: TOKEN },
  });
  return {
    sandbox,
    check: {
      ...sandboxAppSteps(sandbox.url),
      inbox: { type: 'webhook', format: 'twilio', authToken: `\${${TOKEN_VAR}}`, listen: { port: webhookPort } },
      // The sandbox lets sends follow each other at once.
      policy: { resendWindow: '0s' },
    },
  };
}

/** Lets a few runs pass, then holds every send from now on: once one is held, exactly one run is in flight. */
async function holdTheNextSend(world: Sandbox): Promise<void> {
  await vi.waitFor(() => expect(world.groundTruth().counts.verifications.approved).toBeGreaterThanOrEqual(3), WAIT);
  world.setFaults({ send: { slow: 1 }, slowMs: 120_000 });
  await vi.waitFor(() => expect(world.groundTruth().faults).toHaveLength(1), WAIT);
}

async function readReport(path: string): Promise<Report> {
  return JSON.parse(await readFile(path, 'utf8')) as Report;
}

describe.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('otp-canary run interrupted by %s', (signal, exitCode) => {
  it(`exits ${exitCode} and prints the table of what finished under Gate INCOMPLETE with the counts, never PASSED`, async () => {
    const { sandbox: world, check } = await sandboxCheck();
    const { running } = await startRun(check);
    await holdTheNextSend(world);

    running.child.kill(signal);
    const { code, stdout } = await running.result;

    const finished = world.groundTruth().sends.length;
    expect(code).toBe(exitCode);
    expect(stdout).toMatch(new RegExp(`^signup\\s+${finished}\\s+${finished}\\s+0\\s+0\\s`, 'm'));
    expect(stdout).toContain(`Gate INCOMPLETE: interrupted by ${signal} after ${finished} of ${SAMPLES} runs\n  pass  minSuccessRate 0.5: signup 1\n`);
    expect(stdout).not.toContain('Gate PASSED');
  });

  it('writes the report marked incomplete: every finished run, the one in flight cancelled, none started after', async () => {
    const { sandbox: world, check } = await sandboxCheck();
    const { running, reportPath } = await startRun(check);
    await holdTheNextSend(world);

    running.child.kill(signal);
    await running.result;

    const report = await readReport(reportPath);
    // Every send is held from the first held on: a run started after the signal would have added a hold.
    expect(world.groundTruth().faults).toHaveLength(1);
    const finished = world.groundTruth().sends.length;
    expect(report.incomplete).toEqual({ reason: `interrupted by ${signal}`, signal, finished, planned: SAMPLES });
    expect(report.gate).toMatchObject({ passed: false, reasons: [`interrupted by ${signal} after ${finished} of ${SAMPLES} runs`] });
    const runs = report.checks[0]!.runs;
    expect(runs.filter((run) => run.cancelled !== true).map((run) => run.outcome)).toEqual(Array(finished).fill('success'));
    expect(runs.filter((run) => run.cancelled === true)).toEqual([
      expect.objectContaining({ outcome: 'failure', reason: 'internal_error', stage: 'trigger', origin: 'probe', detail: expect.stringContaining(`interrupted by ${signal}`) }),
    ]);
    expect(report.overall).toMatchObject({ runs: finished, cancelled: 1 });
  });
});

describe('otp-canary run signalled twice', () => {
  const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
  const SERVICE_SID = `VA${'b2'.repeat(16)}`;
  const TWILIO_TOKEN_VAR = 'OTP_CANARY_TEST_TWILIO_TOKEN';
  const TWILIO_TOKEN = 'twilio-token-5c1e';

  it('exits at once on the second signal, while the first still winds down', async () => {
    // A run cut off after its send cancels the pending Twilio verification on the way out: a Twilio that
    // never answers that cancel keeps the first signal's wind-down going for the step timeout (30 s).
    twilio = await startFakeTwilio({ username: ACCOUNT_SID, password: TWILIO_TOKEN });
    let firstPoll!: () => void;
    let cancelReceived!: () => void;
    const awaitingSms = new Promise<void>((resolve) => (firstPoll = resolve));
    const cancelling = new Promise<void>((resolve) => (cancelReceived = resolve));
    twilio.on('ListMessage', () => {
      firstPoll();
      return { status: 200, body: { ...specExample('ListMessage'), messages: [] } };
    });
    twilio.on('UpdateVerification', () => {
      cancelReceived();
      return new Promise(() => {});
    });
    const account = { accountSid: ACCOUNT_SID, authToken: `\${${TWILIO_TOKEN_VAR}}`, baseUrl: twilio.url };
    const twilioVerify = { type: 'twilio-verify', ...account, serviceSid: SERVICE_SID };
    const configPath = join(dir, 'otp-canary.yml');
    const check = { name: 'signup', number: NUMBER, trigger: twilioVerify, inbox: { type: 'twilio', ...account, pollInterval: '10s' }, verify: twilioVerify, timeouts: TIMEOUTS };
    await writeFile(configPath, stringify({ checks: [check] }));
    cli = startCli(['run', '--config', configPath, '--samples', String(SAMPLES), '--min-success-rate', '0.5'], { env: { [TWILIO_TOKEN_VAR]: TWILIO_TOKEN } });
    // The inbox polls once the send was answered: the run holds a verification to cancel.
    await awaitingSms;
    cli.child.kill('SIGTERM');
    await cancelling;

    cli.child.kill('SIGTERM');
    const { code, stdout, stderr } = await cli.result;

    expect(code).toBe(143);
    expect(stderr).toContain('a second signal exits at once');
    expect(stdout).not.toContain('Gate');
  });
});
