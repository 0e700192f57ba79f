// `otp-canary run` end to end: the compiled CLI against a sandbox this test starts and reads the ground
// truth of. The checks call it as the team's own app (`type: http` trigger and verify) and receive its
// SMS through the CLI's webhook receiver, which the sandbox pushes to in Twilio's signed format.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Report } from '../src/core/report.js';
import { startSandbox, type Sandbox, type SandboxOverrides } from '../src/sandbox/index.js';
import { runCli, type CliResult } from './support/cli.js';
import { freePort } from './support/ports.js';
import { sandboxAppSteps } from './support/sandbox-app.js';

const NUMBER = '+15555550100';
const TOKEN_VAR = 'OTP_CANARY_TEST_WEBHOOK_TOKEN';
const TOKEN = 'test-auth-token-7f3a';

let dir: string;
let sandbox: Sandbox | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-cli-'));
});

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  await rm(dir, { recursive: true, force: true });
});

interface World {
  readonly sandbox: Sandbox;
  /** Runs the CLI on a config of checks against the sandbox; returns its output and the JSON report. */
  run(extraArgs?: readonly string[], config?: ConfigShape): Promise<CliResult & { report: Report }>;
  readonly config: ConfigShape;
}

type ConfigShape = Record<string, unknown> & { checks: Record<string, unknown>[] };

/** A seeded sandbox with fast, realistic delays that pushes every SMS to the CLI's webhook port. */
async function world(overrides: SandboxOverrides = {}, check: Record<string, unknown> = {}): Promise<World> {
  const webhookPort = await freePort();
  sandbox = await startSandbox({
    seed: 11,
    ...overrides,
    carrier: { delayMedianMs: 20, delayP95Ms: 60, ...overrides.carrier },
    otp: { resendWindowMs: 0, ...overrides.otp },
    webhook: { url: `http://127.0.0.1:${webhookPort}/webhooks/twilio`, authToken: TOKEN },
  });
  const config: ConfigShape = {
    location: 'ci',
    checks: [
      {
        name: 'signup',
        number: NUMBER,
        ...sandboxAppSteps(sandbox.url),
        inbox: { type: 'webhook', format: 'twilio', authToken: `\${${TOKEN_VAR}}`, listen: { port: webhookPort } },
        timeouts: { delivery: '1s', total: '3s', step: '500ms' },
        // The sandbox, like many apps, lets sends follow each other at once.
        policy: { resendWindow: '0s' },
        ...check,
      },
    ],
  };
  const started = sandbox;
  return {
    sandbox: started,
    config,
    async run(extraArgs = [], shape = config) {
      const configPath = join(dir, 'otp-canary.yml');
      const reportPath = join(dir, 'report.json');
      await writeFile(configPath, stringify(shape));
      const result = await runCli(['run', '--config', configPath, '--samples', '3', '--concurrency', '1', '--json', reportPath, ...extraArgs], {
        env: { [TOKEN_VAR]: TOKEN },
      });
      const reportText = await readFile(reportPath, 'utf8').catch(() => {
        throw new Error(`the run wrote no report (exit ${result.code}): ${result.stderr}`);
      });
      return { ...result, report: JSON.parse(reportText) as Report };
    },
  };
}

function runsOf(report: Report) {
  return report.checks.flatMap((check) => check.runs);
}

function reasonsOf(report: Report) {
  return runsOf(report).map((run) => run.reason);
}

describe('otp-canary run against the team app (http steps) and a webhook inbox', () => {
  it('passes the happy path: exit 0, the table on stdout, a report of every run', async () => {
    const w = await world();
    const { code, stdout, report } = await w.run(['--min-success-rate', '0.9']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^check\s+runs\s+ok/m);
    expect(stdout).toMatch(/^signup\s+3\s+3\s+0\s+0\s/m);
    expect(stdout).toContain('Gate PASSED');
    expect(report).toMatchObject({ schemaVersion: 1, location: 'ci', gate: { passed: true } });
    expect(report.checks.map((c) => c.name)).toEqual(['signup']);
    expect(report.checks[0]!.summary).toMatchObject({ runs: 3, successes: 3, failures: 0, deliverySamples: 3 });
    expect(report.overall.runs).toBe(3);
    for (const run of runsOf(report)) {
      expect(run).toMatchObject({ check: 'signup', location: 'ci', number: '+1555•••0100', outcome: 'success' });
      expect(run.reason).toBeUndefined();
      expect(run.timings).toEqual({
        triggerMs: expect.any(Number), deliverMs: expect.any(Number), extractMs: expect.any(Number), verifyMs: expect.any(Number), totalMs: expect.any(Number),
      });
      expect(run.code).toBe('••••••');
    }
    expect(w.sandbox.groundTruth().counts.verifications.approved).toBe(3);
  });

  it('never prints or reports a code or the full number', async () => {
    const w = await world();
    const { stdout, stderr } = await w.run();
    const reportText = await readFile(join(dir, 'report.json'), 'utf8');

    const codes = w.sandbox.groundTruth().sends.map((send) => send.code!);
    expect(codes).toHaveLength(3);
    for (const output of [stdout, stderr, reportText]) {
      for (const code of codes) expect(output).not.toMatch(asWholeNumber(code));
      for (const secret of [NUMBER, NUMBER.slice(1), TOKEN]) expect(output).not.toContain(secret);
    }
  });

  it('never reports the code or the full number in the details of failed runs', async () => {
    const w = await world({ faults: { verify: { error: 1 } } });
    const { stdout, stderr, report } = await w.run();
    const reportText = await readFile(join(dir, 'report.json'), 'utf8');

    expect(runsOf(report).every((run) => run.detail !== undefined)).toBe(true);
    for (const output of [stdout, stderr, reportText]) {
      for (const code of w.sandbox.groundTruth().sends.map((send) => send.code!)) expect(output).not.toMatch(asWholeNumber(code));
      for (const secret of [NUMBER, NUMBER.slice(1)]) expect(output).not.toContain(secret);
    }
  });

  it.each([
    ['a 503', { error: 1 }, 'trigger_error'],
    ['a 429', { rateLimit: 1 }, 'trigger_rate_limited'],
    ['a reset connection', { reset: 1 }, 'trigger_error'],
    ['an answer slower than the step timeout', { slow: 1 }, 'trigger_error'],
  ] as const)('fails every run when the send endpoint answers with %s: %s', async (_, send, reason) => {
    const w = await world({ faults: { send, slowMs: 2_000 } });
    const { code, report } = await w.run();

    expect(code).toBe(0);
    expect(reasonsOf(report)).toEqual([reason, reason, reason]);
    expect(runsOf(report).every((run) => run.stage === 'trigger' && run.origin === 'target')).toBe(true);
  });

  it.each([
    ['a 503', { error: 1 }, 'verify_error'],
    ['a 429', { rateLimit: 1 }, 'verify_rate_limited'],
    ['a reset connection', { reset: 1 }, 'verify_error'],
    ['an answer slower than the step timeout', { slow: 1 }, 'verify_error'],
  ] as const)('fails every run when the verify endpoint answers with %s: %s', async (_, verify, reason) => {
    const w = await world({ faults: { verify, slowMs: 2_000 } });
    const { report } = await w.run();

    expect(reasonsOf(report)).toEqual([reason, reason, reason]);
    expect(runsOf(report).every((run) => run.stage === 'verify' && run.deliverySeconds !== undefined)).toBe(true);
  });

  it('reports a lost SMS as sms_not_received once the delivery timeout passes', async () => {
    const w = await world({ carrier: { loss: 1 } }, { timeouts: { delivery: '300ms', total: '2s', step: '500ms' } });
    const { report } = await w.run();

    expect(reasonsOf(report)).toEqual(['sms_not_received', 'sms_not_received', 'sms_not_received']);
    expect(w.sandbox.groundTruth().counts.sends.lost).toBe(3);
  });

  it('reports an SMS that arrives after the code expired as sms_late', async () => {
    const w = await world({ carrier: { delayMedianMs: 150, delayP95Ms: 200 } }, { policy: { ttl: '50ms', resendWindow: '0s' } });
    const { report } = await w.run();

    expect(reasonsOf(report)).toEqual(['sms_late', 'sms_late', 'sms_late']);
    expect(runsOf(report).every((run) => run.deliverySeconds! > 0.05)).toBe(true);
  });

  // A second copy trails the first by a tenth of a delay draw: with these delays it lands while the next
  // run on the number waits for its own SMS.
  const LATE_DUPLICATES = { carrier: { duplicates: 1, delayMedianMs: 300, delayP95Ms: 400 } };

  it("does not take a late duplicate of one run's SMS for the next run's", async () => {
    const w = await world(LATE_DUPLICATES);
    const { report } = await w.run();

    expect(w.sandbox.groundTruth().counts.sends.duplicated).toBe(3);
    expect(runsOf(report).map((run) => run.reason ?? run.outcome)).toEqual(['success', 'success', 'success']);
  });

  it('warns duplicate_sms when the carrier delivers an SMS twice', async () => {
    const w = await world(LATE_DUPLICATES);
    const { report } = await w.run();

    expect(runsOf(report).some((run) => run.warnings.includes('duplicate_sms'))).toBe(true);
  });

  it('reports a send to a blocked prefix as trigger_rejected', async () => {
    const w = await world({ carrier: { blockedPrefixes: ['+1555555'] } });
    const { report } = await w.run();

    expect(reasonsOf(report)).toEqual(['trigger_rejected', 'trigger_rejected', 'trigger_rejected']);
    expect(w.sandbox.groundTruth().counts.sends.blocked).toBe(3);
  });

  it('exits 1 and says why when the success rate misses the gate', async () => {
    const w = await world({ carrier: { blockedPrefixes: ['+1555555'] } });
    const { code, stdout, report } = await w.run(['--min-success-rate', '0.95']);

    expect(code).toBe(1);
    expect(stdout).toContain('Gate FAILED');
    expect(report.gate?.reasons).toEqual([expect.stringMatching(/^signup: success rate 0\.00 \(0\/3\) is below 0\.95$/)]);
    expect(stdout).toContain(report.gate!.reasons[0]);
  });

  it('exits 1 when the p95 delivery latency misses the config gate', async () => {
    const w = await world();
    const { code, report } = await w.run([], { ...w.config, gate: { maxP95DeliverySeconds: 0.001 } });

    expect(code).toBe(1);
    expect(report.gate?.reasons).toEqual([expect.stringMatching(/^signup: .*p95/)]);
  });

  it('runs only the checks named by --checks', async () => {
    const w = await world();
    const [signup] = w.config.checks;
    const config = { ...w.config, checks: [signup!, { ...signup!, name: 'login', number: '+15555550101' }] };
    const { code, report } = await w.run(['--checks', 'login'], config);

    expect(code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual(['login']);
    expect(w.sandbox.groundTruth().sends.every((send) => send.to === '+15555550101')).toBe(true);
  });

  it('stops early in --sequential mode once the verdict is decided', async () => {
    const w = await world();
    const { code, report } = await w.run(['--sequential', '--samples', '40', '--min-success-rate', '0.5']);

    expect(code).toBe(0);
    expect(report.sequential?.['signup']).toMatchObject({ decision: 'pass', decidedBy: 'sprt' });
    expect(runsOf(report).length).toBeLessThan(40);
    expect(w.sandbox.groundTruth().sends).toHaveLength(runsOf(report).length);
  });
});

/** A code as a whole number, so the report's long floats and ids cannot contain it by chance. */
function asWholeNumber(code: string): RegExp {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`);
}
