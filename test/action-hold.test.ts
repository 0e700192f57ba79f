// The bundled Action holding its numbers on the probe that shares them (hold-probe-url and
// hold-probe-token): the hold taken and released around the runs under the job's name, the token masked
// before anything could print it, and a probe that refuses stopping the step before any SMS.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RUNTIMES, runStep } from './support/action-step.js';
import { startProbeProcess, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'probe-hold-token-a41f';
const NUMBER = '+15555550141';
const check = { name: 'signup', number: NUMBER, trigger: { type: 'sandbox' }, inbox: { type: 'sandbox', pollInterval: '20ms' }, verify: { type: 'sandbox' } };
const JOB = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' };

let dir: string;
let probe: ProbeProcess;
let gateConfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-action-hold-'));
  const probeConfig = join(dir, 'probe.yml');
  await writeFile(probeConfig, stringify({ probe: { token: TOKEN, host: '127.0.0.1' }, checks: [{ ...check, schedule: '0 0 1 1 *' }] }));
  probe = await startProbeProcess(['--config', probeConfig, '--port', '0']);
  gateConfig = join(dir, 'gate.yml');
  // No quiet gap after each hold, so the next test can hold the numbers at once.
  const gate = { holdProbe: { url: probe.url, token: 'overridden-by-the-input', settle: '0s' } };
  await writeFile(gateConfig, stringify({ sandbox: { carrier: { delay: { median: '20ms', p95: '60ms' } }, otp: { resendWindow: '0s' } }, gate, checks: [check] }));
});

afterEach(() => {
  (probe.logs as unknown[]).splice(0);
});

afterAll(async () => {
  await probe.stop('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe.each(RUNTIMES)('the bundled Action with hold-probe-url under %s', (_runtime, node) => {
  it('holds the numbers on the probe under the job\'s name for the runs, then releases them', async () => {
    const step = await runStep(node, { config: gateConfig, samples: '2', 'hold-probe-url': probe.url, 'hold-probe-token': TOKEN }, JOB);

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(step.outputs['runs']).toBe('2');
    const granted = await probe.waitForLog((line) => line.event === 'hold_granted');
    expect(granted).toMatchObject({ holder: 'GitHub Actions: acme/shop run 4242 (attempt 2)', numbers: ['+1555•••0141'] });
    await probe.waitForLog((line) => line.event === 'hold_released' && line.holdId === granted.holdId);
  });

  it('masks the token before anything is read, and stops before any SMS when the probe refuses it', async () => {
    const step = await runStep(node, { config: gateConfig, samples: '2', 'hold-probe-url': probe.url, 'hold-probe-token': 'not-the-probe-token' }, JOB);

    expect(step.code).toBe(1);
    expect(step.stdout.split('\n')[0]).toBe('::add-mask::not-the-probe-token');
    expect(step.stdout).toContain(`::error::the probe at ${probe.url} did not hold the test numbers: ${new URL(probe.url).host}: 401 a valid bearer token is required (probe.token in the config); no SMS was sent`);
    expect(step.stdout).not.toMatch(/signup #1/);
    expect(step.outputs).toEqual({});
    expect(step.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n')).not.toContain('not-the-probe-token');
  });
});
