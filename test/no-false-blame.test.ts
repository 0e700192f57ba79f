// Verdicts that stay true when SMS run late and numbers are shared: the real CLI and the real probe
// against a standalone sandbox that pushes every SMS, signed, to their webhook receivers. The sandbox
// never refuses a valid code and records what it really did, so every failure can be held against
// its ground truth: a late SMS is one failure, never a cascade of `code_rejected`, and two processes
// on one number never produce a target-origin failure.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEMO_CONFIG } from '../src/config/demo.js';
import type { Report } from '../src/core/report.js';
import type { RunRecord } from '../src/core/types.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { startProbeProcess, type ProbeProcess } from './support/probe-process.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const TOKEN = 'no-false-blame-token-7f3a';
const NUMBER = '+15555550100';
/** The world: SMS take a quarter second typically and nearly a second at p95; runs wait 400 ms. */
const LATE_CARRIER = { delayMedianMs: 250, delayP95Ms: 900 };
const DELIVERY_MS = 400;

let dir: string;
let sandbox: Sandbox | undefined;
let relay: Server | undefined;
let probe: ProbeProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-no-false-blame-'));
});

afterEach(async () => {
  await probe?.stop('SIGKILL');
  probe = undefined;
  await sandbox?.close();
  sandbox = undefined;
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  relay = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A check that asks the sandbox, as the team's app, to send and verify, and reads its pushes. */
function check(sandboxUrl: string, receiverPort: number, extra: Record<string, unknown> = {}) {
  return {
    name: 'signup',
    number: NUMBER,
    ...sandboxAppSteps(sandboxUrl),
    inbox: { type: 'webhook', format: 'twilio', authToken: TOKEN, listen: { port: receiverPort } },
    timeouts: { delivery: `${DELIVERY_MS}ms`, total: '5s', step: '1s' },
    policy: { ttl: '5m', resendWindow: '0s', maxAttempts: 5 },
    ...extra,
  };
}

async function writeConfig(name: string, checks: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify({ location: 'e2e', checks }));
  return path;
}

async function lateSandbox(pushTo: string, seed: number): Promise<Sandbox> {
  sandbox = await startSandbox({ seed, carrier: LATE_CARRIER, otp: { resendWindowMs: 0 }, webhook: { url: pushTo, authToken: TOKEN } });
  return sandbox;
}

async function runGate(configPath: string, samples: number, reportName: string): Promise<RunRecord[]> {
  const reportPath = join(dir, reportName);
  const result = await runCli(['run', '--config', configPath, '--samples', String(samples), '--concurrency', '1', '--min-success-rate', '0.01', '--json', reportPath], { timeoutMs: 120_000 });
  expect(result.stderr).not.toMatch(/internal error/i);
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
  return report.checks.flatMap((entry) => entry.runs);
}

const reasons = (runs: readonly RunRecord[]) => runs.map((run) => run.reason ?? run.outcome);
const targetFailures = (runs: readonly RunRecord[]) => runs.filter((run) => run.origin === 'target');

describe('a late SMS is one failure, never a cascade', () => {
  it('through the CLI: runs back to back on one number fail only for SMS the sandbox really delivered late', async () => {
    const port = await freePort();
    const world = await lateSandbox(`http://127.0.0.1:${port}/webhooks/twilio`, 11);
    const runs = await runGate(await writeConfig('cascade.yml', [check(world.url, port)]), 40, 'cascade.json');
    await world.idle();

    const truth = world.groundTruth().sends;
    const arrivedAfter = (ms: number) => truth.filter((send) => send.trueDelayMs === null || send.trueDelayMs > ms).length;
    const notReceived = runs.filter((run) => run.reason === 'sms_not_received').length;

    expect(runs).toHaveLength(40);
    expect(reasons(runs)).not.toContain('code_rejected');
    expect(reasons(targetFailures(runs)).every((reason) => reason === 'sms_not_received')).toBe(true);
    // Each sms_not_received is a send the sandbox delivered past the 400 ms wait (give or take loopback
    // hops and a busy event loop at the boundary).
    expect(notReceived).toBeGreaterThan(0);
    expect(notReceived).toBeGreaterThanOrEqual(arrivedAfter(DELIVERY_MS + 60));
    expect(notReceived).toBeLessThanOrEqual(arrivedAfter(DELIVERY_MS - 60));
    expect(runs.filter((run) => run.warnings.includes('late_sms_awaited')).length).toBeGreaterThan(0);
  }, 120_000);

  it('through the probe on a one-second schedule: no code_rejected, and every late SMS awaited by the next run', async () => {
    const port = await freePort();
    const world = await lateSandbox(`http://127.0.0.1:${port}/webhooks/twilio`, 12);
    const configPath = await writeConfig('probe.yml', [check(world.url, port, { schedule: '* * * * * *' })]);
    probe = await startProbeProcess(['--config', configPath, '--port', String(port), '--host', '127.0.0.1']);

    const runs = await probe.waitForLogs((line) => line.event === 'run', 16, 40_000);

    const notReceived = runs.filter((run) => run.reason === 'sms_not_received');
    expect(runs.map((run) => run.reason)).not.toContain('code_rejected');
    expect(runs.filter((run) => run.origin === 'target').every((run) => run.reason === 'sms_not_received')).toBe(true);
    expect(notReceived.length).toBeGreaterThan(0);
    // The probe remembers the number between runs: the run after each lost SMS waited for it first.
    const next = notReceived.map((run) => runs[runs.indexOf(run) + 1]).filter((run) => run !== undefined);
    expect(next.every((run) => (run.warnings as string[]).includes('late_sms_awaited'))).toBe(true);
  }, 60_000);
});

describe('two otp-canary processes on one number', () => {
  /** Forwards every push the sandbox makes, signature and all, to each receiver: two jobs reading one test number. */
  async function fanOut(ports: readonly number[]): Promise<string> {
    const relayPort = await freePort();
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = { 'content-type': String(req.headers['content-type']), 'x-twilio-signature': String(req.headers['x-twilio-signature']) };
        const forwards = ports.map((port) => fetch(`http://127.0.0.1:${port}/webhooks/twilio`, { method: 'POST', headers, body }).catch(() => undefined));
        void Promise.all(forwards).then(() => res.writeHead(200).end());
      });
    });
    await new Promise<void>((resolve) => relay!.listen(relayPort, '127.0.0.1', resolve));
    return `http://127.0.0.1:${relayPort}/webhooks/twilio`;
  }

  it('never blame the target: what one does to the other is recorded as number_contention, origin probe', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const relayUrl = await fanOut([first, second]);
    sandbox = await startSandbox({ seed: 13, carrier: { delayMedianMs: 120, delayP95Ms: 400 }, otp: { resendWindowMs: 0 }, webhook: { url: relayUrl, authToken: TOKEN } });
    // The receivers sit behind the relay, so they check Twilio's signature against the relay's URL.
    const job = (port: number) => check(sandbox!.url, port, { inbox: { type: 'webhook', format: 'twilio', authToken: TOKEN, listen: { port }, publicUrl: relayUrl }, timeouts: { delivery: '2s', total: '8s', step: '1s' } });

    const [a, b] = await Promise.all([
      runGate(await writeConfig('a.yml', [job(first)]), 8, 'a.json'),
      runGate(await writeConfig('b.yml', [job(second)]), 8, 'b.json'),
    ]);
    const runs = [...a, ...b];

    expect(runs).toHaveLength(16);
    expect(targetFailures(runs)).toEqual([]);
    // They did get in each other's way: not a test that passes because nothing happened.
    expect(runs.some((run) => run.reason === 'number_contention' || run.warnings.includes('code_retried'))).toBe(true);
  }, 120_000);
});

describe('stale_messages_ignored on the demo probe', () => {
  it('warns only when the sandbox delivered a message to the number while no run of it was under way', async () => {
    const port = await freePort();
    probe = await startProbeProcess(['--port', String(port), '--host', '127.0.0.1']);
    const { url } = await probe.waitForLog((line) => line.event === 'sandbox');
    const runs = await probe.waitForLogs((line) => line.event === 'run', 12, 40_000);
    const truth = ((await (await fetch(`${String(url)}/_sandbox/ground-truth`)).json()) as ReturnType<Sandbox['groundTruth']>).sends;

    const numberOf = new Map(DEMO_CONFIG.checks.map((demo) => [demo.name, demo.number]));
    const landings = (number: string) =>
      truth
        .filter((send) => send.to === number)
        .flatMap((send) => [send.deliveredAtEpochMs, send.duplicateDelayMs === null ? null : send.acceptedAtEpochMs + send.duplicateDelayMs])
        .filter((at): at is number => at !== null);
    const endOf = (run: (typeof runs)[number]) => Date.parse(String(run.startedAt)) + (run.timings as { totalMs: number }).totalMs;
    const unjustified = runs.filter((run, index) => {
      if (!(run.warnings as string[]).includes('stale_messages_ignored')) return false;
      const previous = runs.slice(0, index).findLast((earlier) => earlier.check === run.check);
      const from = previous === undefined ? -Infinity : endOf(previous) - 5;
      const to = Date.parse(String(run.startedAt)) + 5;
      return !landings(numberOf.get(String(run.check))!).some((at) => at >= from && at <= to);
    });

    expect(unjustified).toEqual([]);
  }, 60_000);
});
