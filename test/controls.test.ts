import { describe, expect, it } from 'vitest';
import { EXPIRY_MARGIN_MS, runControl, type ControlOptions } from '../src/core/controls.js';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { CONTROLS, StageError, type ControlName } from '../src/core/outcome.js';
import type { CheckSpec, ControlRecord } from '../src/core/types.js';
import { checkSpec, codeNumber, fakeWorld, TEST_NUMBER, type FakeWorld } from './support/fake-providers.js';

// The fake OTP service enforces every control unless told to weaken it; its policy matches checkSpec():
// TTL 300 s, resend window 30 s, 3 attempts. Trigger 300 ms, SMS 2 s after the send, verify 200 ms.

function control(name: ControlName, world: FakeWorld, spec: CheckSpec = checkSpec(), options: ControlOptions = {}): Promise<ControlRecord> {
  const leases = new NumberLeases({ sleep: world.clock.sleep });
  return world.clock.run(runControl(name, spec, world.providers, { clock: world.clock, sleep: world.clock.sleep, leases, ...options }));
}

describe('each control against an OTP service that enforces it', () => {
  it.each(CONTROLS)('%s passes', async (name) => {
    const record = await control(name, fakeWorld());

    expect(record).toMatchObject({ control: name, status: 'passed', check: 'signup-us', location: 'test' });
  });
});

describe('each control against an OTP service weakened on purpose', () => {
  it.each(CONTROLS)('%s is violated', async (name) => {
    const record = await control(name, fakeWorld({ otp: { weaken: [name] } }));

    expect(record.status).toBe('violated');
  });
});

describe('what each control submits', () => {
  it('wrong_code_rejected submits a wrong code of the same shape, then the right one', async () => {
    const world = fakeWorld();
    await control('wrong_code_rejected', world);

    const [wrong, right] = world.verifier.submitted;
    expect(right).toBe(codeNumber(0));
    expect(wrong).toMatch(/^\d{6}$/);
    expect(wrong).not.toBe(right);
  });

  it('max_attempts_lockout submits policy.maxAttempts distinct wrong codes before the right one', async () => {
    const world = fakeWorld();
    await control('max_attempts_lockout', world);

    const submitted = world.verifier.submitted;
    expect(submitted).toHaveLength(4);
    expect(new Set(submitted).size).toBe(4);
    expect(submitted.at(-1)).toBe(codeNumber(0));
  });

  it('resend_invalidates_previous waits out the resend window before sending again', async () => {
    const world = fakeWorld();
    await control('resend_invalidates_previous', world);

    expect(world.trigger.sends).toBe(2);
    expect(world.verifier.submitted).toEqual([codeNumber(0), codeNumber(1)]);
  });

  it('resend_invalidates_previous passes over a late copy of the first SMS and submits the resend’s own code', async () => {
    // The first SMS lands at 2 s and its copy at 33 s: after the resend went out at 32 s.
    const world = fakeWorld({ carrier: { duplicate: true, duplicateGapMs: 31_000 } });

    const record = await control('resend_invalidates_previous', world);

    expect(record.status).toBe('passed');
    expect(world.verifier.submitted).toEqual([codeNumber(0), codeNumber(1)]);
  });

  it('code_expires submits the code only after the TTL and a margin have passed since it arrived', async () => {
    const world = fakeWorld();
    const record = await control('code_expires', world);

    expect(record.durationMs).toBe(2_000 + 300_000 + EXPIRY_MARGIN_MS + 200);
  });

  it('concurrent_verify_once submits the code the configured number of times at once', async () => {
    const world = fakeWorld();
    const record = await control('concurrent_verify_once', world, checkSpec(), { concurrentSubmits: 8 });

    expect(world.verifier.submitted).toHaveLength(8);
    expect(record.detail).toBe('exactly one of 8 simultaneous submissions of one code was accepted; the others were refused');
  });
});

describe('the sends a control leaves pending', () => {
  it.each<[ControlName, string[]]>([
    ['wrong_code_rejected', []],
    ['max_attempts_lockout', ['VE1']],
    ['single_use', []],
    ['resend_invalidates_previous', ['VE1']],
    ['resend_throttled', ['VE1']],
    ['code_expires', ['VE1']],
    ['concurrent_verify_once', []],
  ])('%s, once passed, releases those none of whose codes was accepted: %j', async (name, released) => {
    const world = fakeWorld();

    await control(name, world);

    expect(world.trigger.releases.map((r) => r.reference)).toEqual(released);
  });

  it('are released when the control is inconclusive, and the release is no part of its duration', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    world.trigger.releaseBehaviour.hang = 'ignoringAbort';

    const record = await control('single_use', world);

    expect(record.status).toBe('inconclusive');
    expect(world.trigger.releases.map((r) => r.reference)).toEqual(['VE1']);
    expect(record.durationMs).toBe(60_300);
    expect(world.clock.pendingTimers).toBe(0);
  });
});

describe('when a control cannot decide', () => {
  it('is inconclusive, saying which step failed, when the SMS never arrives', async () => {
    const record = await control('single_use', fakeWorld({ carrier: { lose: true } }));

    expect(record).toMatchObject({ status: 'inconclusive', detail: 'the deliver step failed with sms_not_received: no SMS within 60 s' });
  });

  it('wrong_code_rejected is inconclusive when the right code is refused too', async () => {
    const record = await control('wrong_code_rejected', fakeWorld({ otp: { ttlMs: 1_000 } }));

    expect(record.status).toBe('inconclusive');
    expect(record.detail).toContain('so was the right one afterwards (code_expired');
  });

  it('resend_invalidates_previous is inconclusive when the resend is refused after the configured window', async () => {
    const record = await control('resend_invalidates_previous', fakeWorld(), checkSpec({ policy: { ttlMs: 300_000, resendWindowMs: 10_000, maxAttempts: 3 } }));

    expect(record).toMatchObject({ status: 'inconclusive' });
    expect(record.detail).toMatch(/^the trigger step failed with trigger_rate_limited/);
  });

  it('resend_invalidates_previous is inconclusive, once delivery times out, when the resend carries the same code', async () => {
    const record = await control('resend_invalidates_previous', fakeWorld({ otp: { resendSameCode: true } }));

    expect(record).toMatchObject({
      status: 'inconclusive',
      detail: 'the deliver step failed with sms_not_received: no SMS within 60 s, only 1 carrying a code already used',
    });
  });

  it('resend_throttled is inconclusive when an accepted resend may have been outside the window', async () => {
    const world = fakeWorld({ otp: { weaken: ['resend_throttled'] } });

    const record = await control('resend_throttled', world, checkSpec({ policy: { ttlMs: 300_000, resendWindowMs: 500, maxAttempts: 3 } }));

    expect(record.status).toBe('inconclusive');
  });

  it('concurrent_verify_once is inconclusive when no submission is accepted', async () => {
    const record = await control('concurrent_verify_once', fakeWorld({ otp: { ttlMs: 1_000 } }));

    expect(record).toMatchObject({ status: 'inconclusive', detail: 'none of 5 simultaneous submissions of the code was accepted' });
  });

  it('single_use is inconclusive, with the far side’s words masked, when the first use fails', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.failWith = new StageError('verify_error', `upstream 503 verifying ${codeNumber(0)} for ${TEST_NUMBER}`);

    const record = await control('single_use', world);

    expect(record).toMatchObject({ status: 'inconclusive', detail: 'the code was not accepted the first time (verify_error: upstream 503 verifying •••• for ••••)' });
  });

  it('is inconclusive, not an exception, when cancelled', async () => {
    const world = fakeWorld();
    const controller = new AbortController();
    void world.clock.sleep(10_000).then(() => controller.abort(new Error('shutting down')));

    const record = await control('code_expires', world, checkSpec(), { signal: controller.signal });

    expect(record).toMatchObject({ status: 'inconclusive', detail: 'cancelled during extract: shutting down', durationMs: 10_000 });
    expect(world.clock.pendingTimers).toBe(0);
  });
});

describe('a control and a run on one number', () => {
  // The app lets them send back to back.
  const backToBack = checkSpec({ policy: { ttlMs: 300_000, resendWindowMs: 0, maxAttempts: 3 } });

  it("keep to the app's resend window: a control right after a run waits it out instead of failing its first send", async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 30_000 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    const options = { clock: world.clock, sleep: world.clock.sleep, leases };

    await world.clock.run(runCheck(checkSpec(), world.providers, options));
    const controlRecord = await world.clock.run(runControl('single_use', checkSpec(), world.providers, options));

    expect(controlRecord.status).toBe('passed');
  });

  it('take turns: the run starts only once the control has let go of the number', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    const options = { clock: world.clock, sleep: world.clock.sleep, leases };

    const [controlRecord, runRecord] = await world.clock.run(
      Promise.all([runControl('single_use', backToBack, world.providers, options), runCheck(backToBack, world.providers, options)]),
    );

    expect(controlRecord.durationMs).toBe(2_400);
    expect(runRecord).toMatchObject({ outcome: 'success', startedAt: '2026-01-01T12:00:02.400Z' });
  });

  it('share what was used: the run passes over a late copy of the SMS whose code the control submitted', async () => {
    // The control's SMS lands at 2 s and its copy at 3 s, after the run's trigger at 2.4 s.
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: { duplicate: true, duplicateGapMs: 1_000 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    const options = { clock: world.clock, sleep: world.clock.sleep, leases };

    await world.clock.run(runControl('single_use', backToBack, world.providers, options));
    const runRecord = await world.clock.run(runCheck(backToBack, world.providers, options));

    expect(runRecord.outcome).toBe('success');
    expect(runRecord.warnings).toContain('duplicate_sms');
    expect(world.verifier.submitted.at(-1)).toBe(codeNumber(1));
  });
});
