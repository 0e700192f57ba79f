// `otp-canary run` end to end against the embedded sandbox: every step `type: sandbox`, the world
// described by the config's `sandbox:` block and started inside the CLI. Only this path exercises the
// sandbox trigger (which watches delivery status), the polling inbox and the sandbox's own pushes to
// the CLI's webhook receiver.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoConfig } from '../src/config/demo.js';
import type { Report } from '../src/core/report.js';
import { runCli, startCli, type CliResult } from './support/cli.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs three samples of one all-sandbox check in a world shaped by `sandbox`. */
async function runEmbedded(sandbox: Record<string, unknown>, check: Record<string, unknown> = {}): Promise<CliResult & { report: Report }> {
  const configPath = join(dir, 'otp-canary.yml');
  const reportPath = join(dir, 'report.json');
  const config = {
    sandbox: { seed: 5, ...sandbox, carrier: { delay: { median: '20ms', p95: '60ms' }, ...(sandbox['carrier'] as object) }, otp: { resendWindow: '0s' } },
    checks: [
      {
        name: 'signup',
        number: '+15555550100',
        trigger: { type: 'sandbox' },
        inbox: { type: 'sandbox', pollInterval: '200ms' },
        verify: { type: 'sandbox' },
        timeouts: { delivery: '1s', total: '3s', step: '500ms' },
        ...check,
      },
    ],
  };
  await writeFile(configPath, stringify(config));
  const result = await runCli(['run', '--config', configPath, '--samples', '3', '--concurrency', '1', '--json', reportPath]);
  const report = JSON.parse(await readFile(reportPath, 'utf8').catch(() => 'null')) as Report;
  return { ...result, report };
}

function reasonsOf(report: Report): (string | undefined)[] {
  return report.checks.flatMap((check) => check.runs.map((run) => run.reason ?? run.outcome));
}

describe('otp-canary run against the embedded sandbox', () => {
  it('passes every run through the polling inbox', async () => {
    const { code, stdout, stderr, report } = await runEmbedded({});

    expect(code).toBe(0);
    expect(stderr).toContain('report written to');
    expect(stdout).toMatch(/^signup\s+3\s+3\s+0\s+0\s/m);
    expect(reasonsOf(report)).toEqual(['success', 'success', 'success']);
  });

  it('passes every run when the sandbox pushes its SMS to the CLI (inbox mode webhook)', async () => {
    const { code, report } = await runEmbedded({}, { inbox: { type: 'sandbox', mode: 'webhook' } });

    expect(code).toBe(0);
    expect(reasonsOf(report)).toEqual(['success', 'success', 'success']);
  });

  it('reports a carrier-undelivered SMS as sms_undelivered with the carrier error code', async () => {
    const { report } = await runEmbedded({ carrier: { undelivered: 1 } });

    expect(reasonsOf(report)).toEqual(['sms_undelivered', 'sms_undelivered', 'sms_undelivered']);
    expect(report.checks[0]!.runs.map((run) => run.providerCode)).toEqual(['30003', '30003', '30003']);
  });

  it('blames the receiving side, not the target, when the inbox API fails: inbox_error', async () => {
    const { report } = await runEmbedded({ faults: { inbox: { error: 1 } } });

    expect(reasonsOf(report)).toEqual(['inbox_error', 'inbox_error', 'inbox_error']);
    expect(report.checks[0]!.runs.every((run) => run.origin === 'probe' && run.stage === 'deliver')).toBe(true);
  });

  it('reports a send answered with a body that is not the promised JSON as trigger_error', async () => {
    const { report } = await runEmbedded({ faults: { send: { malformed: 1 } } });

    expect(reasonsOf(report)).toEqual(['trigger_error', 'trigger_error', 'trigger_error']);
  });

  it('reports a verify answered with a body that is not the promised JSON as verify_error', async () => {
    const { report } = await runEmbedded({ faults: { verify: { malformed: 1 } } });

    expect(reasonsOf(report)).toEqual(['verify_error', 'verify_error', 'verify_error']);
  });

  it('runs the demo checks against the embedded sandbox when given no config', async () => {
    const reportPath = join(dir, 'report.json');
    const { code, stdout, stderr } = await runCli(['run', '--samples', '1', '--json', reportPath]);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;

    expect(stderr).toContain('no --config given');
    expect(report.checks.map((check) => check.name)).toEqual(demoConfig().checks.map((check) => check.name));
    for (const check of report.checks) expect(stdout).toMatch(new RegExp(`^${check.name}\\s+1\\s`, 'm'));
    expect(code).toBe(report.gate?.passed === false ? 1 : 0);
  });

  it('passes its own gate on every demo run (`npm start`), still showing failures with their reasons', async () => {
    // Three at once: the seeded demo must keep its margin on a loaded machine, where timing varies most.
    const runs = await Promise.all([1, 2, 3].map(() => runCli(['run', '--no-progress'], { timeoutMs: 150_000 })));

    for (const { code, stdout } of runs) {
      expect(stdout).toContain('Gate PASSED');
      // Seed 9 loses its 13th SMS, so every run has a failure to explain.
      expect(stdout).toMatch(/^Failures by reason:\n[\s\S]*\bsms_not_received \d+/m);
      expect(code).toBe(0);
    }
  }, 180_000);

  it("says up front when the check's resend window makes its samples slow, naming the floor and the setting", async () => {
    const configPath = join(dir, 'paced.yml');
    const check = { name: 'paced', number: '+15555550100', trigger: { type: 'sandbox' }, inbox: { type: 'sandbox' }, verify: { type: 'sandbox' } };
    await writeFile(configPath, stringify({ sandbox: { carrier: { delay: { median: '20ms', p95: '60ms' } }, otp: { resendWindow: '30s' } }, checks: [check] }));
    const cli = startCli(['run', '--config', configPath, '--samples', '3']);
    const noted = new Promise<void>((resolve) => cli.child.stderr.on('data', (chunk: string) => chunk.includes('policy.resendWindow') && resolve()));

    await noted;
    cli.child.kill('SIGKILL');
    const { stderr } = await cli.result;

    expect(stderr).toContain('paced: runs on +1555•••0100 keep to its policy.resendWindow (30 s), so 3 samples take at least 60 s; set the window your app really enforces (0s for none)');
  });
});
