// A release gate holding its numbers on the probe that shares them: the client against real probe
// processes (every replica behind one name, partial failures, renewal, a hold lost midway), and the
// real CLI's `run --hold-probe` against a real probe on the same numbers, with the sandbox's ground
// truth saying what was sent and when.

import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Report } from '../src/core/report.js';
import { holdProbeNumbers, ProbeHoldError } from '../src/probe-hold/client.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { parseExposition, startProbeProcess, valueOf, type ProbeProcess } from './support/probe-process.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const TOKEN = 'probe-hold-token-8e2a';
const NUMBER = '+15555550131';
const WEBHOOK_TOKEN = 'sandbox-push-token-77';
const EVERY_SECOND = '* * * * * *';

let dir: string;
const running: ProbeProcess[] = [];
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-hold-gate-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((probe) => probe.stop('SIGKILL')));
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A quiet probe (its check runs once a year) listening on host:port with this token. */
async function quietProbe(host: string, port: number, token = TOKEN, args: readonly string[] = []): Promise<ProbeProcess> {
  const check = {
    name: 'quiet',
    number: NUMBER,
    trigger: { type: 'sandbox' },
    inbox: { type: 'sandbox' },
    verify: { type: 'sandbox' },
    schedule: '0 0 1 1 *',
  };
  return probeWith({ probe: { token }, checks: [check] }, ['--host', host, '--port', String(port), ...args]);
}

async function probeWith(config: Record<string, unknown>, args: readonly string[]): Promise<ProbeProcess> {
  const path = join(dir, `probe-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(path, stringify({ location: 'hold-gate-test', ...config }));
  const probe = await startProbeProcess(['--config', path, ...args]);
  running.push(probe);
  return probe;
}

const granted = (probe: ProbeProcess) => probe.waitForLog((line) => line.event === 'hold_granted');
const released = (probe: ProbeProcess) => probe.waitForLog((line) => line.event === 'hold_released');
const holdOptions = (url: string) => ({ url, token: TOKEN, numbers: [NUMBER], holder: 'hold-gate test' });

describe('holding numbers on every replica behind the probe\'s name', () => {
  it('asks every address the system resolves the host to, and releases each', async () => {
    const port = await freePort();
    const addresses = await lookup('localhost', { all: true });
    const probes = await Promise.all(addresses.map(({ address }) => quietProbe(address, port)));

    const hold = await holdProbeNumbers(holdOptions(`http://localhost:${port}`));
    await Promise.all(probes.map(granted));
    await hold.release();

    expect(hold.replicas).toEqual(addresses.map(({ address, family }) => (family === 6 ? `[${address}]:${port}` : `${address}:${port}`)));
    await Promise.all(probes.map(released));
  });

  // This machine's /etc/hosts maps localhost to 127.0.0.1 only, so the resolver is told what a
  // dual-stack host (or a headless Service) answers; the two replicas and every byte between are real.
  it('reaches a replica on 127.0.0.1 and one on [::1] behind the one name localhost, both granting', async () => {
    const port = await freePort();
    const probes = [await quietProbe('127.0.0.1', port), await quietProbe('::1', port)];
    const asked: string[] = [];

    const hold = await holdProbeNumbers({
      ...holdOptions(`http://localhost:${port}`),
      resolve: async (hostname) => {
        asked.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
      },
    });

    expect(asked).toEqual(['localhost']);
    expect(hold.replicas).toEqual([`127.0.0.1:${port}`, `[::1]:${port}`]);
    const lines = await Promise.all(probes.map(granted));
    expect(lines.map((line) => line.numbers)).toEqual([['+1555•••0131'], ['+1555•••0131']]);
    await hold.release();
    await Promise.all(probes.map(released));
  });

  it('sends the URL\'s own host in the Host header and the numbers in the body only', async () => {
    const seen: { url: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        seen.push({ url: req.url, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '0b6f8d6e-4c7a-4f55-9a8e-0c1d2e3f4a5b', expiresAt: new Date().toISOString() }));
      });
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      const hold = await holdProbeNumbers({ ...holdOptions(`http://probe.example.test:${port}/`), resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      await hold.release();
    } finally {
      server.close();
      server.closeAllConnections();
    }

    expect(seen.map(({ url, headers }) => [url, headers.host, headers.authorization])).toEqual([
      ['/api/holds', `probe.example.test:${port}`, `Bearer ${TOKEN}`],
      ['/api/holds/0b6f8d6e-4c7a-4f55-9a8e-0c1d2e3f4a5b', `probe.example.test:${port}`, `Bearer ${TOKEN}`],
    ]);
    expect(JSON.parse(seen[0]!.body)).toMatchObject({ numbers: [NUMBER], holder: 'hold-gate test' });
  });

  it('fails when one replica refuses, naming it and why, and releases what the others granted', async () => {
    const port = await freePort();
    const accepting = await quietProbe('127.0.0.1', port);
    await quietProbe('::1', port, 'another-probe-token');

    const attempt = holdProbeNumbers({ ...holdOptions(`http://localhost:${port}`), resolve: async () => [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }] });

    await expect(attempt).rejects.toThrow(ProbeHoldError);
    await expect(attempt).rejects.toThrow(`[::1]:${port}: 401 a valid bearer token is required (probe.token in the config)`);
    expect((await released(accepting)).holder).toBe('hold-gate test');
  });

  it('renews the hold on each replica while it is held, so a short TTL never lapses', async () => {
    const probe = await quietProbe('127.0.0.1', await freePort(), TOKEN, ['--log-level', 'debug']);

    const hold = await holdProbeNumbers({ ...holdOptions(probe.url), ttlSeconds: 1 });
    await probe.waitForLogs((line) => line.event === 'hold_renewed', 4);
    await hold.release();

    await released(probe);
    expect(probe.logs.some((line) => line.event === 'hold_expired')).toBe(false);
    expect(hold.lost.aborted).toBe(false);
  });

  it('signals the hold lost, naming the replica, once a replica no longer has it', async () => {
    const probe = await quietProbe('127.0.0.1', await freePort());
    const hold = await holdProbeNumbers({ ...holdOptions(probe.url), ttlSeconds: 1 });
    const lost = once(hold.lost, 'abort');

    await probe.stop('SIGKILL');
    await lost;
    await hold.release();

    expect(hold.lost.reason).toBeInstanceOf(ProbeHoldError);
    expect((hold.lost.reason as Error).message).toMatch(new RegExp(`^the hold on the probe at 127\\.0\\.0\\.1:\\d+ \\(${probe.url.replace(/\./g, '\\.')}\\) was lost, so the probe may now use the test numbers: connection refused$`));
  });
});

describe('otp-canary run holding its numbers on the probe (--hold-probe, gate.holdProbe)', () => {
  /** A sandbox pushing every SMS to the gate's webhook port, and a gate config of one check on NUMBER through it. */
  async function gateWorld(): Promise<{ sandbox: Sandbox; writeConfig: (gate?: Record<string, unknown>) => Promise<string> }> {
    const webhookPort = await freePort();
    const sandbox = await startSandbox({
      seed: 3,
      // Slow enough that the gate outlasts a few of the probe's every-second ticks.
      carrier: { delayMedianMs: 300, delayP95Ms: 500 },
      otp: { resendWindowMs: 0 },
      webhook: { url: `http://127.0.0.1:${webhookPort}/webhooks/twilio`, authToken: WEBHOOK_TOKEN },
    });
    sandboxes.push(sandbox);
    const inbox = { type: 'webhook', format: 'twilio', authToken: WEBHOOK_TOKEN, listen: { port: webhookPort } };
    return {
      sandbox,
      async writeConfig(gate = {}) {
        const path = join(dir, `gate-${Math.random().toString(36).slice(2)}.yml`);
        await writeFile(path, stringify({ location: 'gate', gate, checks: [sandboxCheck(sandbox, 'gate', inbox)] }));
        return path;
      },
    };
  }

  function sandboxCheck(sandbox: Sandbox, name: string, inbox: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return {
      name,
      number: NUMBER,
      ...sandboxAppSteps(sandbox.url),
      inbox,
      timeouts: { delivery: '3s', total: '6s', step: '1s' },
      // The sandbox lets sends follow each other at once.
      policy: { resendWindow: '0s' },
      ...extra,
    };
  }

  const sends = (sandbox: Sandbox) => sandbox.groundTruth().sends.filter((send) => send.to === NUMBER);

  it('holds the numbers on the probe for the whole gate, a quiet gap each side: the probe skips them as held and none of its runs comes near the gate\'s', async () => {
    const { sandbox, writeConfig } = await gateWorld();
    // The probe texts the same number through the same sandbox every second. Its SMS never reach it, and
    // its runs wait out a delivery timeout longer than the carrier's delays, so none lands after its run.
    const probe = await probeWith(
      { probe: { token: TOKEN, host: '127.0.0.1' }, checks: [sandboxCheck(sandbox, 'probe-side', { type: 'webhook', format: 'generic', secret: 'unused-gateway-secret' }, { schedule: EVERY_SECOND, timeouts: { delivery: '2s', total: '3s', step: '500ms' } })] },
      ['--port', '0'],
    );
    await probe.waitForLog((line) => line.event === 'run');
    const configPath = await writeConfig({ holdProbe: { url: probe.url, token: '${PROBE_TOKEN}', settle: '2s' } });
    const reportPath = join(dir, 'report.json');

    const result = await runCli(['run', '--config', configPath, '--samples', '6', '--concurrency', '1', '--json', reportPath], { env: { PROBE_TOKEN: TOKEN } });
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
    const hold = await granted(probe);
    const release = await released(probe);
    const runsBefore = probe.logs.filter((line) => line.event === 'run').length;
    await probe.waitForLogs((line) => line.event === 'run', runsBefore + 1);

    expect(result.code, result.stderr).toBe(0);
    expect(report.checks[0]!.runs.map((run) => run.outcome)).toEqual(Array(6).fill('success'));
    expect(hold.holder).toMatch(/^otp-canary run on .+ \(pid \d+\)$/);
    const metrics = parseExposition(await (await fetch(`${probe.url}/metrics`)).text());
    expect(valueOf(metrics, 'otp_canary_skipped_runs_total', { check: 'probe-side', reason: 'held' })).toBeGreaterThanOrEqual(1);

    // Every send of the sandbox between the grant and the release is one of the gate's six.
    const heldFrom = Date.parse(hold.time as string);
    const heldUntil = Date.parse(release.time as string);
    const duringHold = sends(sandbox).filter((send) => send.acceptedAtEpochMs >= heldFrom && send.acceptedAtEpochMs <= heldUntil);
    expect(duringHold).toHaveLength(6);
    // And the probe's runs keep 2 s away from the gate's on both sides (less the clocks' rounding).
    const probeRuns = ((await (await fetch(`${probe.url}/api/runs?check=probe-side&limit=500`)).json()) as { runs: { startedAt: string; timings: { totalMs: number } }[] }).runs;
    const gateRuns = report.checks[0]!.runs;
    const gateFrom = Math.min(...gateRuns.map((run) => Date.parse(run.startedAt)));
    const gateUntil = Math.max(...gateRuns.map((run) => Date.parse(run.startedAt) + run.timings.totalMs));
    const tooClose = probeRuns.filter((run) => Date.parse(run.startedAt) < gateUntil + 1_950 && Date.parse(run.startedAt) + run.timings.totalMs > gateFrom - 1_950);
    expect(tooClose).toEqual([]);
    expect(probeRuns.some((run) => Date.parse(run.startedAt) > gateUntil)).toBe(true);
  }, 60_000);

  it('stops before any SMS, exit 2, when the probe refuses the token: the error names the replica and the 401', async () => {
    const { sandbox, writeConfig } = await gateWorld();
    const configPath = await writeConfig();
    const probe = await quietProbe('127.0.0.1', await freePort());

    const result = await runCli(['run', '--config', configPath, '--samples', '2', '--hold-probe', probe.url], { env: { OTP_CANARY_PROBE_TOKEN: 'not-the-probe-s-token' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${new URL(probe.url).host}: 401 a valid bearer token is required`);
    expect(result.stderr).toContain('no SMS was sent');
    expect(result.stderr).not.toContain('not-the-probe-s-token');
    expect(sends(sandbox)).toEqual([]);
  });

  it('stops before any SMS, exit 2, when no probe answers at the URL', async () => {
    const { sandbox, writeConfig } = await gateWorld();
    const configPath = await writeConfig();
    const port = await freePort();

    const result = await runCli(['run', '--config', configPath, '--samples', '2', '--hold-probe', `http://127.0.0.1:${port}`], { env: { OTP_CANARY_PROBE_TOKEN: TOKEN } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`otp-canary: the probe at http://127.0.0.1:${port} did not hold the test numbers: 127.0.0.1:${port}: connection refused; no SMS was sent`);
    expect(sends(sandbox)).toEqual([]);
  });

  it('refuses --hold-probe without a token, exit 2, naming where the token comes from', async () => {
    const { sandbox, writeConfig } = await gateWorld();
    const configPath = await writeConfig();

    const result = await runCli(['run', '--config', configPath, '--hold-probe', 'http://127.0.0.1:9']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set gate.holdProbe.token in the config or OTP_CANARY_PROBE_TOKEN in the environment');
    expect(sends(sandbox)).toEqual([]);
  });

  it("refuses an OTP_CANARY_PROBE_TOKEN shorter than probe.token may be, exit 2, saying its length and never its value", async () => {
    const { sandbox, writeConfig } = await gateWorld();
    const configPath = await writeConfig();

    const result = await runCli(['run', '--config', configPath, '--hold-probe', 'http://127.0.0.1:9'], { env: { OTP_CANARY_PROBE_TOKEN: 'tok-3f9a' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OTP_CANARY_PROBE_TOKEN: must be at least 16 characters (got 8)');
    expect(result.stderr).not.toContain('tok-3f9a');
    expect(sends(sandbox)).toEqual([]);
  });
});
