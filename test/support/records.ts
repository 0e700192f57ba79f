// Run and control records as every face receives them: complete, with the number and code already
// masked. Tests override what they assert on; anything else they rely on is a default documented here.

import { maskCode, maskNumber } from '../../src/core/mask.js';
import { FAILURE_REASONS, type FailureReason } from '../../src/core/outcome.js';
import type { ControlRecord, RunRecord } from '../../src/core/types.js';

/** The test number and code behind the masked defaults: what must never appear in clear, or masked where nothing should. */
export const REAL_NUMBER = '+15557340981';
export const REAL_CODE = '482913';
/** When every record starts unless told otherwise. */
export const RUN_STARTED_AT = '2025-03-01T12:00:00.000Z';

let nextId = 0;

/**
 * A successful run of check `signup-us` from `eu-west-1`, started at RUN_STARTED_AT, with
 * maskNumber(REAL_NUMBER) and maskCode(REAL_CODE), no warnings, every stage timed (trigger 180 ms,
 * deliver 4200 ms, extract 1 ms, verify 95 ms; 4500 ms in all) and delivered in 4.2 s.
 * Ids are `run-1`, `run-2`, … in call order.
 */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  nextId += 1;
  return {
    id: `run-${nextId}`,
    check: 'signup-us',
    location: 'eu-west-1',
    number: maskNumber(REAL_NUMBER),
    startedAt: RUN_STARTED_AT,
    outcome: 'success',
    warnings: [],
    timings: { triggerMs: 180, deliverMs: 4200, extractMs: 1, verifyMs: 95, totalMs: 4500 },
    deliverySeconds: 4.2,
    code: maskCode(REAL_CODE),
    ...overrides,
  };
}

/**
 * A run that failed with `reason`, at the stage and with the origin FAILURE_REASONS gives it (a reason
 * of stage `any` happens in `deliver`), and no SMS delivered; otherwise as runRecord.
 */
export function failedRun(reason: FailureReason, overrides: Partial<RunRecord> = {}): RunRecord {
  const { stage, origin } = FAILURE_REASONS[reason];
  const { deliverySeconds: _notDelivered, ...record } = runRecord({ outcome: 'failure', reason, stage: stage === 'any' ? 'deliver' : stage, origin });
  return { ...record, ...overrides };
}

/** The runs of one check: `successes` delivered in `deliverySeconds` (default as runRecord), then `failures` whose SMS never came (sms_not_received). */
export function checkRuns(check: string, counts: { successes?: number; failures?: number; deliverySeconds?: number }): RunRecord[] {
  const { successes = 0, failures = 0, deliverySeconds } = counts;
  return [
    ...Array.from({ length: successes }, () => runRecord({ check, ...(deliverySeconds !== undefined && { deliverySeconds }) })),
    ...Array.from({ length: failures }, () => failedRun('sms_not_received', { check })),
  ];
}

/** A passed `single_use` control of check `signup-us` from `eu-west-1`, started at RUN_STARTED_AT, taking 300 ms. */
export function controlRecord(overrides: Partial<ControlRecord> = {}): ControlRecord {
  return {
    check: 'signup-us',
    location: 'eu-west-1',
    control: 'single_use',
    status: 'passed',
    startedAt: RUN_STARTED_AT,
    durationMs: 300,
    detail: 'the second verify was refused',
    ...overrides,
  };
}
