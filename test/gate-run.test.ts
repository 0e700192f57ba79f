// runGate as a library user calls it (a Playwright or vitest suite), on the embedded sandbox: aborting
// its signal cuts the gate short, and the report it still returns is incomplete and never passes.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { runGate } from '../src/wiring/gate-run.js';

const config = parseConfig(
  [
    'sandbox:',
    '  carrier: { delay: { median: 5ms, p95: 20ms } }',
    '  otp: { resendWindow: 0s }',
    'checks:',
    '  - name: signup',
    '    number: "+15555550100"',
    '    trigger: { type: sandbox }',
    '    inbox: { type: sandbox, pollInterval: 10ms }',
    '    verify: { type: sandbox }',
    '',
  ].join('\n'),
);

describe('runGate with an AbortSignal', () => {
  it('returns the runs that ended, marked incomplete with the abort reason and the counts, and never passes', async () => {
    const controller = new AbortController();
    let ended = 0;

    const report = await runGate(config, {
      samples: 150,
      concurrency: 1,
      thresholds: { minSuccessRate: 0.5 },
      signal: controller.signal,
      onRun: () => {
        ended += 1;
        if (ended === 3) controller.abort(new Error('the suite timed out'));
      },
    });

    expect(report.incomplete).toEqual({ reason: 'the suite timed out', finished: 3, planned: 150 });
    expect(report.checks[0]!.runs.map((run) => run.outcome)).toEqual(['success', 'success', 'success']);
    expect(report.gate).toMatchObject({ passed: false, reasons: ['the suite timed out after 3 of 150 runs'] });
  });
});
