// Carriers deliver late second copies of an SMS. A copy of run N's SMS that lands after run N+1's
// trigger must not be taken for run N+1's own: its code is spent, so it would be refused, and run N+1's
// own SMS would then land during run N+2, and so on down the line.

import { describe, expect, it } from 'vitest';
import { runBatch } from '../src/core/batch.js';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import type { CheckSpec, RunRecord } from '../src/core/types.js';
import { createSandboxInbox, createSandboxTrigger, createSandboxVerifier } from '../src/providers/sandbox/index.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import type { SendRecord } from '../src/sandbox/ground-truth.js';
import { checkSpec, codeNumber, fakeWorld, type FakeWorld } from './support/fake-providers.js';
import { never, NUMBER, quickSandbox, sendOtp } from './support/sandbox.js';

// Fake world: trigger 300 ms, SMS 2 s after the send, verify 200 ms, so a run takes 2.2 s; a copy
// 1 s behind the first SMS of run 1 (sent at 0) lands at 3 s, after run 2's trigger at 2.2 s.
const LATE_COPY = { duplicate: true, duplicateGapMs: 1_000 } as const;

/** The checks' policy, like the apps in these worlds, has no resend window: runs follow each other at once. */
const BACK_TO_BACK = { ttlMs: 300_000, resendWindowMs: 0, maxAttempts: 3 };

/** Runs on one number one after another, sharing its leases, as a batch or the probe does. */
function inTurn(world: FakeWorld): (spec?: CheckSpec) => Promise<RunRecord> {
  const { clock } = world;
  const leases = new NumberLeases({ clock, sleep: clock.sleep });
  return (spec = checkSpec({ policy: BACK_TO_BACK })) => clock.run(runCheck(spec, world.providers, { clock, sleep: clock.sleep, leases }));
}

describe('a late copy of an earlier run’s SMS', () => {
  it('is passed over with a duplicate_sms warning, and the run verifies its own code', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: LATE_COPY });
    const run = inTurn(world);

    await run();
    const second = await run();

    expect(second.outcome).toBe('success');
    expect(second.warnings).toContain('duplicate_sms');
    expect(world.verifier.submitted).toEqual([codeNumber(0), codeNumber(1)]);
  });

  it('is left out of the next inbox query, so the run waits instead of spinning on it', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: LATE_COPY });
    const run = inTurn(world);

    await run();
    await run();

    // Run 1 reads SM1; run 2 gets the copy SM2 alone, passes it over, and waits for its own SM3.
    expect(world.inbox.queries.map((query) => [...(query.ignore ?? [])])).toEqual([[], [], ['SM2']]);
  });

  it('is passed over even when it lands after the run’s own SMS, as the newest message', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: { duplicate: true, duplicateGapMs: 2_500 } });
    const run = inTurn(world);
    await run();
    // Run 2 sends at 2.2 s and its SMS lands at 4.2 s; the copy at 4.5 s; the send is answered at 5.2 s.
    world.trigger.behaviour.latencyMs = 3_000;

    const second = await run();

    expect(second.outcome).toBe('success');
    expect(world.verifier.submitted.at(-1)).toBe(codeNumber(1));
  });

  it('leaves the run waiting for its own SMS until the delivery timeout, which says what was passed over', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: LATE_COPY });
    const run = inTurn(world);
    await run();
    world.service.carrier = { ...world.service.carrier, lose: true };

    const second = await run();

    expect(second).toMatchObject({ outcome: 'failure', reason: 'sms_not_received', detail: 'no SMS within 60 s, only 1 carrying a code already used' });
  });
});

describe('a code an earlier run read past its TTL', () => {
  it('is dead, so a late copy of it is passed over and the run verifies its own code', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 }, carrier: LATE_COPY });
    const run = inTurn(world);

    // The check's codes live 1 s and its SMS takes 2 s: the first run fails sms_late, submitting nothing,
    // and the copy of its SMS lands during the second run.
    const first = await run(checkSpec({ policy: { ttlMs: 1_000, resendWindowMs: 0, maxAttempts: 3 } }));
    const second = await run();

    expect(first.reason).toBe('sms_late');
    expect(second).toMatchObject({ outcome: 'success', warnings: expect.arrayContaining(['duplicate_sms']) });
    expect(world.verifier.submitted).toEqual([codeNumber(1)]);
  });
});

describe('inboxes asked to ignore messages', () => {
  it('the webhook inbox leaves them out and waits for the next message', async () => {
    const inbox = new WebhookInbox();
    inbox.accept({ id: 'copy', to: NUMBER, body: 'Your code is 111111' });

    const waiting = inbox.waitForSms({ number: NUMBER, since: 0, sinceWallClock: new Date(0), signal: never, ignore: new Set(['copy']) });
    expect(inbox.pendingWaits()).toBe(1);
    inbox.accept({ id: 'own', to: NUMBER, body: 'Your code is 222222' });

    expect((await waiting).messages.map((sms) => sms.id)).toEqual(['own']);
  });

  it('the sandbox inbox leaves them out, waits for the next message, and does not count them as stale', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    const query = { number: NUMBER, signal: never, since: 0, sinceWallClock: new Date() };
    await sendOtp(sandbox);
    const first = await inbox.waitForSms(query);

    const waiting = inbox.waitForSms({ ...query, ignore: new Set(first.messages.map((sms) => sms.id)) });
    await sandbox.idle();
    await sendOtp(sandbox);
    const second = await waiting;

    const [, own] = sandbox.groundTruth().sends;
    expect(second.messages.map((sms) => sms.body)).toEqual([expect.stringContaining(own!.code!)]);
    expect(second.staleIgnored).toBe(0);
  });
});

describe('twenty runs in a row on one number, with a carrier that duplicates 60% of SMS', () => {
  /** Duplicated sends whose second copy landed once the next send was already accepted. */
  const copiesLandingInTheNextRun = (sends: readonly SendRecord[]) =>
    sends.filter((send, i) => {
      const next = sends[i + 1];
      return next !== undefined && send.duplicateDelayMs !== null && send.acceptedAtEpochMs + send.duplicateDelayMs >= next.acceptedAtEpochMs;
    }).length;

  it('never submits a late copy’s spent code: every run verifies its own', async () => {
    const sandbox = await quickSandbox({ seed: 7, otp: { resendWindowMs: 0 }, carrier: { duplicates: 0.6, delayMedianMs: 20, delayP95Ms: 80 } });
    const providers = {
      trigger: createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 }),
      inbox: createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 }),
      verifier: createSandboxVerifier({ baseUrl: sandbox.url, timeoutMs: 2_000 }),
    };
    const spec = checkSpec({ number: NUMBER, timeouts: { deliveryMs: 5_000, totalMs: 10_000, stepMs: 2_000 }, policy: BACK_TO_BACK });

    const { checks } = await runBatch([{ spec, providers }], { samples: 20, concurrency: 1, leases: new NumberLeases() });
    await sandbox.idle();
    const runs = checks[0]!.runs;
    const truth = sandbox.groundTruth();

    expect(copiesLandingInTheNextRun(truth.sends)).toBeGreaterThan(0);
    expect(runs.map((record) => record.reason ?? record.outcome)).toEqual(Array(20).fill('success'));
    expect(truth.counts.verifications.invalid_code).toBe(0);
    expect(runs.filter((record) => record.warnings.includes('duplicate_sms')).length).toBeGreaterThan(0);
  });
});
