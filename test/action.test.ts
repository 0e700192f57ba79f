// The bundled Action (dist/index.js) run the way the runner runs it: INPUT_* variables named as the
// runner names them (upper-cased, hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, under
// Node 20 (this process) and Node 24 (the runtime action.yml declares).

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { INPUTS } from '../src/action/inputs.js';
import { demoConfig } from '../src/config/demo.js';
import type { Report } from '../src/core/report.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { RUNTIMES, runStep, type StepResult } from './support/action-step.js';
import { freePort } from './support/ports.js';
import { NODE24 } from './support/prerequisites.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

/** A config file in its own directory: one check against the embedded sandbox, fast delays. */
async function sandboxConfig(sandbox: string, timeouts = '{ delivery: 2s, total: 5s, step: 2s }'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-config-'));
  const path = join(dir, 'otp-canary.yml');
  await writeFile(
    path,
    [
      'sandbox:',
      `  ${sandbox}`,
      '  otp: { resendWindow: 0s }',
      'checks:',
      '  - name: signup',
      '    number: "+15555550100"',
      '    trigger: { type: sandbox }',
      '    inbox: { type: sandbox, pollInterval: 20ms }',
      '    verify: { type: sandbox }',
      `    timeouts: ${timeouts}`,
      '',
    ].join('\n'),
  );
  return path;
}

function report(step: StepResult): Promise<Report> {
  return readFile(step.outputs['report-path']!, 'utf8').then((text) => JSON.parse(text) as Report);
}

describe.each(RUNTIMES)('the bundled Action under %s', (_runtime, node) => {
  it('has its Node binary (the Action runtime must be tested, not skipped)', () => {
    expect(existsSync(node), `${node} is missing: run npm ci --prefix tools/node24`).toBe(true);
  });

  it('passes a gate whose thresholds are met, with every output, the summary and the reports', async () => {
    const config = await sandboxConfig('carrier: { delay: { median: 20ms, p95: 60ms } }');
    const step = await runStep(node, {
      config,
      samples: '5',
      'min-success-rate': '0.8',
      'max-p95-delivery-seconds': '5',
      'junit-path': 'reports/junit.xml',
    });

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(step.outputs).toMatchObject({ passed: 'true', runs: '5', 'success-rate': '1', failures: '{}' });
    expect(Number(step.outputs['success-rate-lower-bound'])).toBeCloseTo(5 / (5 + 1.959964 ** 2), 3);
    expect(Number(step.outputs['delivery-p95-seconds'])).toBeGreaterThan(0);
    expect(Number(step.outputs['delivery-p50-seconds'])).toBeLessThanOrEqual(Number(step.outputs['delivery-p95-seconds']));
    expect(step.outputs['report-path']).toBe(join(step.dir, 'otp-canary-report.json'));
    expect((await report(step)).gate?.passed).toBe(true);
    expect(step.summary.startsWith('## ✅ OTP delivery gate passed')).toBe(true);
    expect(step.summary).toContain('| signup | 5 | 5 | 0 | – |');
    expect(step.summary).toMatch(/```mermaid\nxychart-beta\n[\s\S]*bar \[/);
    expect(step.summary).toContain('5 of 5 succeeded: the 95% lower bound is');
    expect(await readFile(join(step.dir, 'reports/junit.xml'), 'utf8')).toContain('<testsuite name="signup" tests="5" failures="0"');
  });

  it('fails a gate on a lossy carrier with the reason on one line, annotations and a failing summary', async () => {
    const config = await sandboxConfig(
      'seed: 8\n  carrier: { delay: { median: 20ms, p95: 60ms }, loss: 0.6 }',
      '{ delivery: 300ms, total: 2s, step: 1s }',
    );
    const step = await runStep(node, { config, samples: '6', 'min-success-rate': '0.9' });

    expect(step.code).toBe(1);
    expect(step.outputs['passed']).toBe('false');
    expect(JSON.parse(step.outputs['failures']!)).toHaveProperty('sms_not_received');
    expect(step.stdout).toMatch(/^::error::OTP delivery gate failed: signup: success rate 0\.\d+ \(\d\/6\) is below 0\.9$/m);
    expect(step.stdout).toMatch(/^::error title=signup%3A \d × sms_not_received::\d of 6 runs failed at deliver with sms_not_received/m);
    expect(step.summary.startsWith('## ❌ OTP delivery gate failed\n\n- signup: success rate')).toBe(true);
    expect(step.summary).toMatch(/\| success rate \| ≥ 0\.9 \| signup 0\.\d+ ❌ \| ❌ missed \|/);
  });

  it('fails on a malformed input, naming it, before sending anything', async () => {
    const step = await runStep(node, { 'min-success-rate': 'abc' });

    expect(step.code).toBe(1);
    expect(step.stdout).toContain('::error::min-success-rate must be a number greater than 0 and at most 1 (leave it unset not to gate on the success rate), got "abc"');
    expect(step.stdout).not.toContain('::group::Runs');
    expect(step.outputs).toEqual({});
  });

  it('fails before sending anything when samples cannot hold the sequential test\'s error rates', async () => {
    const step = await runStep(node, { sequential: 'true', 'min-success-rate': '0.95', samples: '20' });

    expect(step.code).toBe(1);
    expect(step.stdout).toContain('::error::samples 20 is too small for the sequential gate at a minimum success rate of 0.95: it needs at least 206');
    expect(step.stdout).not.toMatch(/signup-us #1/);
    expect(step.outputs).toEqual({});
  });

  it('ends as soon as its work ends: no server, timer or socket keeps the process alive', async () => {
    const config = await sandboxConfig('carrier: { delay: { median: 20ms, p95: 60ms } }');
    const step = await runStep(node, { config, samples: '2' });

    expect(step.code).toBe(0);
    // undici keeps idle sockets 4 s and a forgotten server for ever; writing the results takes milliseconds.
    expect(step.exitedAt - Date.parse((await report(step)).finishedAt)).toBeLessThan(2_000);
  });
});

describe('the bundled Action in a workflow step that gives it no inputs', () => {
  // What the runner passes `uses: otp-canary/otp-canary@v1` without `with:`: every input at its action.yml default.
  const inputs = Object.fromEntries(Object.entries(INPUTS).map(([name, { default: value }]) => [name, value === '${{ github.token }}' ? 'ghs_not-a-real-token' : value]));

  it('runs the seeded demo and passes its own gate, the summary naming each failure with its reason', async () => {
    // 20 runs of each of the three demo checks take about 27 s, more on a loaded machine.
    const step = await runStep(NODE24, inputs, {}, { killAfterMs: 150_000 });
    const demo = await report(step);

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(step.stdout).toContain('the demo checks against the embedded sandbox; 20 runs per check, 4 at a time');
    expect(demo.checks.map((check) => check.name)).toEqual(demoConfig().checks.map((check) => check.name));
    expect(step.outputs).toMatchObject({ passed: 'true', runs: '60', failures: JSON.stringify(demo.overall.failuresByReason) });
    expect(step.outputs['report-path']).toBe(join(step.dir, 'otp-canary-report.json'));
    expect(Number(step.outputs['success-rate'])).toBeGreaterThanOrEqual(0.5);
    expect(Number(step.outputs['delivery-p95-seconds'])).toBeLessThanOrEqual(3);

    expect(step.summary.startsWith('## ✅ OTP delivery gate passed')).toBe(true);
    expect(step.summary).toMatch(/\| success rate \| ≥ 0\.5 \| .* \| ✅ met \|/);
    expect(step.summary).toMatch(/\| delivery p95 \| ≤ 3 s \| .* \| ✅ met \|/);
    // Seed 9 loses its 13th SMS, so every demo run has a failure to explain.
    expect(demo.overall.failuresByReason).toHaveProperty('sms_not_received');
    for (const check of demo.checks) {
      const row = step.summary.split('\n').find((line) => line.startsWith(`| ${check.name} |`));
      for (const [reason, count] of Object.entries(check.summary.failuresByReason)) {
        expect(row).toContain(`\`${reason}\` ${count}`);
        expect(step.stdout).toContain(`::warning title=${check.name}%3A ${count} × ${reason}::`);
      }
    }
  }, 180_000);
});

describe('the bundled Action with real credentials in its config', () => {
  const authToken = `twilio-auth-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const appToken = `app-token-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const number = '+15555550142';
  let sandbox: Sandbox;
  let webhookPort: number;
  let config: string;

  beforeAll(async () => {
    webhookPort = await freePort();
    // The app under test runs here, in the test process, so its ground truth (the codes it sent) can be read.
    sandbox = await startSandbox({
      carrier: { delayMedianMs: 20, delayP95Ms: 60 },
      otp: { resendWindowMs: 0, codeLength: 8 },
      webhook: { url: `http://127.0.0.1:${webhookPort}/webhooks/twilio`, authToken },
    });
    const dir = await mkdtemp(join(tmpdir(), 'otp-canary-config-'));
    config = join(dir, 'otp-canary.yml');
    await writeFile(
      config,
      [
        'checks:',
        '  - name: app-signup',
        `    number: "${number}"`,
        '    trigger:',
        '      type: http',
        `      request: { method: POST, url: "${sandbox.url}/api/otp/send", headers: { Authorization: "Bearer \${APP_API_TOKEN}" }, json: { phone: "{{number}}" } }`,
        `    inbox: { type: webhook, format: twilio, authToken: "\${TWILIO_AUTH_TOKEN}", listen: { host: 127.0.0.1, port: ${webhookPort} } }`,
        '    verify:',
        '      type: http',
        `      request: { method: POST, url: "${sandbox.url}/api/otp/verify", json: { phone: "{{number}}", code: "{{code}}" } }`,
        '      expect: { status: 200 }',
        '    timeouts: { delivery: 2s, total: 5s, step: 2s }',
        '    policy: { resendWindow: 0s }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => sandbox.close());

  it.each(RUNTIMES)('under %s registers every code and credential with the runner and prints none of them', async (_runtime, node) => {
    sandbox.reset();
    const step = await runStep(
      node,
      { config, samples: '3', 'min-success-rate': '0.5', 'junit-path': 'junit.xml' },
      { TWILIO_AUTH_TOKEN: authToken, APP_API_TOKEN: appToken },
    );
    await sandbox.idle();
    const codes = sandbox.groundTruth().sends.flatMap((send) => (send.code === null ? [] : [send.code]));

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(codes).toHaveLength(3);
    const masks = step.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    for (const secret of [authToken, appToken, `Bearer ${appToken}`, ...codes]) expect(masks).toContain(`::add-mask::${secret}`);

    const written = [
      step.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'),
      step.stderr,
      JSON.stringify(step.outputs),
      step.summary,
      await readFile(step.outputs['report-path']!, 'utf8'),
      await readFile(join(step.dir, 'junit.xml'), 'utf8'),
    ].join('\n');
    for (const code of codes) expect(written).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const secret of [authToken, appToken, number, number.slice(1)]) expect(written).not.toContain(secret);
  });
});

describe('the bundled Action told to write where it cannot', () => {
  // The app under test runs in the test process, so its ground truth counts every SMS the step sent.
  let sandbox: Sandbox;
  let config: string;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ carrier: { delayMedianMs: 20, delayP95Ms: 60 }, otp: { resendWindowMs: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'otp-canary-outputs-'));
    config = join(dir, 'otp-canary.yml');
    const check = { name: 'signup', number: '+15555550100', ...sandboxAppSteps(sandbox.url), inbox: { type: 'sandbox' }, timeouts: { delivery: '300ms', total: '2s', step: '1s' }, policy: { resendWindow: '0s' } };
    await writeFile(config, stringify({ checks: [check] }));
  });
  afterAll(() => sandbox.close());

  it.each(RUNTIMES)('under %s fails at once on a junit-path below a file, naming the input, and sends no SMS', async (_runtime, node) => {
    sandbox.reset();
    const junitPath = join(config, 'junit.xml');
    const step = await runStep(node, { config, samples: '1', 'junit-path': junitPath });

    expect(step.code).toBe(1);
    expect(step.stdout).toContain(`::error::junit-path ${junitPath} cannot be written: a part of its path is not a directory`);
    expect(sandbox.groundTruth().sends).toEqual([]);
    expect(step.outputs).toEqual({});
  });

  it.each(RUNTIMES)('under %s fails at once on a report-path that is a directory, naming the input, and sends no SMS', async (_runtime, node) => {
    sandbox.reset();
    const step = await runStep(node, { config, samples: '1', 'report-path': dir });

    expect(step.code).toBe(1);
    expect(step.stdout).toContain(`::error::report-path ${dir} cannot be written: it is a directory`);
    expect(sandbox.groundTruth().sends).toEqual([]);
    expect(step.outputs).toEqual({});
  });
});
