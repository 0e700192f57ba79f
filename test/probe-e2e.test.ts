// The real probe process against a standalone sandbox it treats as the team's app (`http` trigger and
// verify) and that pushes every SMS to the probe's own /webhooks/twilio. Its ground truth says what
// really happened; the probe's /metrics must say the same.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { freePort } from './support/ports.js';
import { PROMTOOL_BINARY, requireExecutable } from './support/prerequisites.js';
import { parseExposition, startProbeProcess, valueOf, type ProbeProcess } from './support/probe-process.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const TOKEN = 'e2e-twilio-token-5c1d';
const HAPPY = '+15555550100';
const BLOCKED = '+15555550190';
const EVERY_SECOND = '* * * * * *';
/** Never within a test: the schedule of a config that only lets in-flight runs finish. */
const YEARLY = '0 0 1 1 *';

let dir: string;
let sandbox: Sandbox | undefined;
let probe: ProbeProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-probe-e2e-'));
});

afterEach(async () => {
  await probe?.stop('SIGKILL');
  probe = undefined;
  await sandbox?.close();
  sandbox = undefined;
  await rm(dir, { recursive: true, force: true });
});

function checkAgainst(sandboxUrl: string, name: string, number: string, schedule: string) {
  return {
    name,
    number,
    ...sandboxAppSteps(sandboxUrl),
    inbox: { type: 'webhook', format: 'twilio', authToken: TOKEN },
    timeouts: { delivery: '800ms', total: '3s', step: '1s' },
    policy: { resendWindow: '0s' },
    schedule,
  };
}

async function writeConfig(name: string, schedule: string): Promise<string> {
  const path = join(dir, name);
  const checks = [checkAgainst(sandbox!.url, 'happy', HAPPY, schedule), checkAgainst(sandbox!.url, 'blocked', BLOCKED, schedule)];
  await writeFile(path, stringify({ location: 'e2e', checks }));
  return path;
}

/** A lossy sandbox with fast deliveries, pushing to the port the probe is about to take. */
async function startWorld(): Promise<{ port: number; configPath: string }> {
  const port = await freePort();
  sandbox = await startSandbox({
    seed: 42,
    carrier: { delayMedianMs: 30, delayP95Ms: 120, loss: 0.3, blockedPrefixes: ['+1555555019'] },
    otp: { resendWindowMs: 0 },
    webhook: { url: `http://127.0.0.1:${port}/webhooks/twilio`, authToken: TOKEN },
  });
  return { port, configPath: await writeConfig('otp-canary.yml', EVERY_SECOND) };
}

const runsOf = (check: string) => (line: { event?: string; check?: unknown }) => line.event === 'run' && line.check === check;

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** Only our own families: Node's default metrics are served too, but are not ours to lint. */
function ownFamilies(exposition: string): string {
  return exposition
    .split('\n')
    .filter((line) => /^(# (HELP|TYPE) )?otp_canary_/.test(line))
    .join('\n')
    .concat('\n');
}

function promtoolCheck(exposition: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(requireExecutable(PROMTOOL_BINARY), ['check', 'metrics'], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: stdout + stderr });
    });
    child.stdin!.end(exposition);
  });
}

describe('the probe process against the sandbox', () => {
  it('exports exactly what the sandbox did once its runs are over: runs, failures by reason, deliveries', async () => {
    const { port, configPath } = await startWorld();
    probe = await startProbeProcess(['--config', configPath, '--port', String(port), '--host', '127.0.0.1']);
    await probe.waitForLogs(runsOf('happy'), 4);
    await probe.waitForLogs(runsOf('blocked'), 2);

    // Quiesce: a config with the same checks that never fires; the old runs finish and are recorded.
    await writeFile(configPath, stringify({ location: 'e2e', checks: [checkAgainst(sandbox!.url, 'happy', HAPPY, YEARLY), checkAgainst(sandbox!.url, 'blocked', BLOCKED, YEARLY)] }));
    probe.child.kill('SIGHUP');
    await probe.waitForLog((line) => line.event === 'previous_config_closed');
    await sandbox!.idle();

    const samples = parseExposition(await scrape(probe.url));
    const truth = sandbox!.groundTruth();
    const sendsTo = (number: string) => truth.sends.filter((send) => send.to === number);
    const happySends = sendsTo(HAPPY);
    const delivered = happySends.filter((send) => send.fate === 'delivered');
    const lost = happySends.filter((send) => send.fate === 'lost');
    const approved = truth.verifications.filter((v) => v.to === HAPPY && v.result === 'approved');
    const happy = { check: 'happy', location: 'e2e' };

    expect(happySends.length).toBeGreaterThanOrEqual(4);
    expect(lost.length).toBeGreaterThan(0);
    expect(valueOf(samples, 'otp_canary_runs_total', happy)).toBe(happySends.length);
    expect(valueOf(samples, 'otp_canary_failures_total', { ...happy, reason: 'sms_not_received', stage: 'deliver', origin: 'target' })).toBe(lost.length);
    expect(valueOf(samples, 'otp_canary_delivery_seconds_count', happy)).toBe(delivered.length);
    expect(valueOf(samples, 'otp_canary_runs_total', happy)! - lost.length).toBe(approved.length);
    // Our latency runs from the send's answer reaching us to the push reaching us; the sandbox's from
    // its answer to its push: the two agree to within loopback hops.
    const truthSeconds = delivered.reduce((sum, send) => sum + send.trueDelayMs! / 1000, 0);
    expect(Math.abs(valueOf(samples, 'otp_canary_delivery_seconds_sum', happy)! - truthSeconds)).toBeLessThan(0.05 * delivered.length);

    const blockedSends = sendsTo(BLOCKED);
    expect(blockedSends.every((send) => send.fate === 'blocked')).toBe(true);
    expect(valueOf(samples, 'otp_canary_runs_total', { check: 'blocked' })).toBe(blockedSends.length);
    expect(valueOf(samples, 'otp_canary_failures_total', { check: 'blocked', reason: 'trigger_rejected', stage: 'trigger' })).toBe(blockedSends.length);
    expect(valueOf(samples, 'otp_canary_success', { check: 'blocked' })).toBe(0);
    expect(truth.pushes.every((push) => push.status === 200)).toBe(true);
  }, 60_000);

  it('serves an exposition promtool accepts, with Node\'s process metrics beside ours', async () => {
    const { port, configPath } = await startWorld();
    probe = await startProbeProcess(['--config', configPath, '--port', String(port), '--host', '127.0.0.1']);
    await probe.waitForLogs(runsOf('happy'), 2);

    const exposition = await scrape(probe.url);
    const lint = await promtoolCheck(ownFamilies(exposition));

    expect(lint).toEqual({ code: 0, output: '' });
    expect(exposition).toContain('otp_canary_info{version="');
    expect(exposition).toMatch(/^process_cpu_user_seconds_total /m);
  }, 60_000);
});

describe('the embedded sandbox in webhook mode', () => {
  it('pushes its SMS to the probe\'s own /webhooks/twilio, and runs succeed through it', async () => {
    const path = join(dir, 'embedded.yml');
    const check = { name: 'embedded', number: HAPPY, trigger: { type: 'sandbox' }, inbox: { type: 'sandbox', mode: 'webhook' }, verify: { type: 'sandbox' }, schedule: EVERY_SECOND };
    await writeFile(path, stringify({ sandbox: { carrier: { delay: { median: '30ms', p95: '100ms' } }, otp: { resendWindow: '0s' } }, checks: [check] }));
    probe = await startProbeProcess(['--config', path, '--port', '0']);

    const [run] = await probe.waitForLogs(runsOf('embedded'), 1);

    expect(run).toMatchObject({ outcome: 'success' });
    expect((await fetch(`${probe.url}/readyz`)).status).toBe(200);
  }, 30_000);
});
