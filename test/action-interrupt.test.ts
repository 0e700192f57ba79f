// The bundled Action (dist/index.js) when its job is cancelled: the runner signals the step (SIGINT, then
// SIGTERM). Under Node 20 and Node 24, the runs that ended are still published, marked incomplete, and
// the step fails with passed=false.

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
import { RUNTIMES, startStep } from './support/action-step.js';

const SAMPLES = 150;

/** One check against the embedded sandbox, fast delays: 150 runs take far longer than the test waits. */
async function sandboxConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-config-'));
  const path = join(dir, 'otp-canary.yml');
  await writeFile(
    path,
    [
      'sandbox:',
      '  carrier: { delay: { median: 20ms, p95: 60ms } }',
      '  otp: { resendWindow: 0s }',
      'checks:',
      '  - name: signup',
      '    number: "+15555550100"',
      '    trigger: { type: sandbox }',
      '    inbox: { type: sandbox, pollInterval: 20ms }',
      '    verify: { type: sandbox }',
      '    timeouts: { delivery: 2s, total: 5s, step: 2s }',
      '',
    ].join('\n'),
  );
  return path;
}

describe.each(RUNTIMES)('the bundled Action under %s', (_runtime, node) => {
  it.each(['SIGINT', 'SIGTERM'] as const)('cancelled with %s, fails the step and publishes what ended, marked incomplete', async (signal) => {
    const step = await startStep(node, { config: await sandboxConfig(), samples: String(SAMPLES), 'min-success-rate': '0.5', 'junit-path': 'junit.xml' });
    await step.printed('signup #3: ');

    step.child.kill(signal);
    const { code, stdout, outputs, summary, dir } = await step.result;

    const report = JSON.parse(await readFile(outputs['report-path']!, 'utf8')) as Report;
    const finished = report.checks[0]!.runs.filter((run) => run.cancelled !== true).length;
    const cutShort = `interrupted by ${signal} after ${finished} of ${SAMPLES} runs`;
    expect(code).not.toBe(0);
    expect(finished).toBeGreaterThanOrEqual(3);
    expect(report.incomplete).toEqual({ reason: `interrupted by ${signal}`, signal, finished, planned: SAMPLES });
    expect(outputs).toMatchObject({ passed: 'false', runs: String(finished) });
    expect(stdout).toContain(`::error::OTP delivery gate incomplete: ${cutShort}`);
    expect(summary.startsWith(`## ⏹️ OTP delivery gate incomplete\n\nRuns were cut short, so the gate cannot pass: ${cutShort}.`)).toBe(true);
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain(`<property name="otp-canary.incomplete" value="${cutShort}"/>`);
  });
});
