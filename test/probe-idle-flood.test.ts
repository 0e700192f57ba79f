// An operator's report: under `ulimit -n 200`, 300 sockets that never sent a byte took /healthz down and
// the probe's own runs failed with EMFILE, recorded as `trigger_error`, origin target. The real probe
// under that limit, against a sandbox it treats as the team's app, while the sockets are held.

import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunRecord } from '../src/core/types.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { freePort } from './support/ports.js';
import { parseExposition, startProbeProcess, valueOf, type LogLine, type ProbeProcess } from './support/probe-process.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const OPEN_FILE_LIMIT = 200;
const SILENT_SOCKETS = 300;
const TOKEN = 'idle-flood-twilio-token';
const NUMBER = '+15555550100';

let dir: string | undefined;
let sandbox: Sandbox | undefined;
let probe: ProbeProcess | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await probe?.stop('SIGKILL');
  probe = undefined;
  await sandbox?.close();
  sandbox = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** A check run every second against the sandbox's send and verify, its SMS pushed to the probe's webhook. */
async function startWorld(): Promise<{ port: number; configPath: string }> {
  const port = await freePort();
  sandbox = await startSandbox({
    carrier: { delayMedianMs: 20, delayP95Ms: 50 },
    otp: { resendWindowMs: 0 },
    webhook: { url: `http://127.0.0.1:${port}/webhooks/twilio`, authToken: TOKEN },
  });
  const check = {
    name: 'happy',
    number: NUMBER,
    ...sandboxAppSteps(sandbox.url),
    inbox: { type: 'webhook', format: 'twilio', authToken: TOKEN },
    timeouts: { delivery: '3s', total: '8s', step: '2s' },
    policy: { resendWindow: '0s' },
    schedule: '* * * * * *',
  };
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-idle-flood-'));
  const configPath = join(dir, 'otp-canary.yml');
  await writeFile(configPath, stringify({ location: 'flood', checks: [check] }));
  return { port, configPath };
}

/** Opens `count` connections that never send a byte, and holds them till the test ends. */
async function holdSilentSockets(port: number, count: number): Promise<void> {
  const opened = Array.from({ length: count }, () => connect(port, '127.0.0.1').on('error', () => undefined));
  sockets.push(...opened);
  await Promise.all(opened.map((socket) => once(socket, 'connect')));
}

async function healthz(url: string): Promise<number> {
  return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).status;
}

/** The probe's open file descriptors and their limit, from Node's process metrics on its /metrics. */
async function openFiles(url: string): Promise<{ open: number; max: number }> {
  const samples = parseExposition(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text());
  return { open: valueOf(samples, 'process_open_fds')!, max: valueOf(samples, 'process_max_fds')! };
}

const runOfHappy = (line: LogLine) => line.event === 'run' && line.check === 'happy';

it(`keeps /healthz answering and blames no run on the target while ${SILENT_SOCKETS} silent sockets are held under ulimit -n ${OPEN_FILE_LIMIT}`, async () => {
  const { port, configPath } = await startWorld();
  probe = await startProbeProcess(['--config', configPath, '--port', String(port), '--host', '127.0.0.1'], {}, { openFileLimit: OPEN_FILE_LIMIT });
  // Before the first run, so every run needs connections of its own while the sockets are held.
  await holdSilentSockets(port, SILENT_SOCKETS);
  expect(await healthz(probe.url)).toBe(200);
  // At most half the open files go to connections: Node's own (about 20) and the runs' fit in the rest.
  const files = await openFiles(probe.url);
  expect(files.max).toBe(OPEN_FILE_LIMIT);
  expect(files.open).toBeLessThanOrEqual(OPEN_FILE_LIMIT * 0.75);

  await probe.waitForLogs(runOfHappy, 3);
  expect(await healthz(probe.url)).toBe(200);
  const { runs } = (await (await fetch(`${probe.url}/api/runs?check=happy`)).json()) as { runs: RunRecord[] };
  expect(runs.length).toBeGreaterThanOrEqual(3);
  expect(runs.filter((run) => run.origin === 'target').map(({ reason, detail }) => ({ reason, detail }))).toEqual([]);
});
