import { describe, expect, it } from 'vitest';
import { runCheck, type RunOptions } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { StageError, type Stage } from '../src/core/outcome.js';
import type { CheckSpec, RunRecord } from '../src/core/types.js';
import { checkSpec, codeNumber, fakeWorld, TEST_NUMBER, type CallBehaviour, type CarrierBehaviour, type FakeWorld } from './support/fake-providers.js';

// Default world: trigger answers in 300 ms, the SMS lands 2 s after the send, verify answers in 200 ms.

function run(world: FakeWorld, spec: CheckSpec = checkSpec(), options: RunOptions = {}): Promise<RunRecord> {
  const leases = new NumberLeases({ sleep: world.clock.sleep });
  return world.clock.run(runCheck(spec, world.providers, { clock: world.clock, sleep: world.clock.sleep, leases, ...options }));
}

const firstCode = codeNumber(0);

describe('a journey that goes well', () => {
  it('succeeds and times each stage on the monotonic clock', async () => {
    const record = await run(fakeWorld());

    expect(record).toMatchObject({
      outcome: 'success',
      check: 'signup-us',
      location: 'test',
      warnings: [],
      timings: { triggerMs: 300, deliverMs: 1_700, extractMs: 0, verifyMs: 200, totalMs: 2_200 },
      deliverySeconds: 1.7,
    });
    expect(record.reason).toBeUndefined();
  });

  it('measures delivery from the send being accepted, not from the request', async () => {
    const world = fakeWorld({ carrier: { delayMs: 5_000 } });
    world.trigger.behaviour.latencyMs = 1_000;

    const record = await run(world);

    expect(record.timings.deliverMs).toBe(4_000);
  });

  it('records the number and the code masked, and the wall-clock start', async () => {
    const record = await run(fakeWorld());

    expect(record.number).toBe('+1555•••0100');
    expect(record.code).toBe('••••••');
    expect(record.startedAt).toBe('2026-01-01T12:00:00.000Z');
    expect(JSON.stringify(record)).not.toContain(firstCode);
  });

  it('takes the id it is given, or makes a fresh one per run', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 } });
    const given = await run(world, checkSpec(), { id: 'run-1' });
    const [a, b] = [await run(world), await run(world)];

    expect(given.id).toBe('run-1');
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('is degraded when the whole journey is slower than degradedAfter', async () => {
    const record = await run(fakeWorld({ carrier: { delayMs: 25_000 } }));

    expect(record.outcome).toBe('degraded');
    expect(record.reason).toBeUndefined();
  });

  it('is never degraded when the check sets no degradedAfter', async () => {
    const record = await run(fakeWorld({ carrier: { delayMs: 25_000 } }), checkSpec({ degradedAfterMs: undefined }));

    expect(record.outcome).toBe('success');
  });

  it('reports each stage as it begins, with the time since the journey began', async () => {
    const stages: [Stage, number][] = [];
    await run(fakeWorld(), checkSpec(), { onStage: (stage, elapsedMs) => stages.push([stage, elapsedMs]) });

    expect(stages).toEqual([
      ['trigger', 0],
      ['deliver', 300],
      ['extract', 2_000],
      ['verify', 2_000],
    ]);
  });

  it('leaves nothing running: every provider signal aborted, no timer pending, the inbox released', async () => {
    const world = fakeWorld();
    await run(world);

    expect([...world.trigger.signals, ...world.verifier.signals, ...world.inbox.queries.map((q) => q.signal)].every((s) => s.aborted)).toBe(true);
    expect(world.clock.pendingTimers).toBe(0);
    expect(world.inbox.waiting).toBe(0);
  });
});

describe('which message the journey reads', () => {
  it('asks the inbox for messages since the trigger request went out, on both clocks', async () => {
    const world = fakeWorld();
    await world.clock.advance(5_000);
    await run(world);

    expect(world.inbox.queries[0]).toMatchObject({ number: TEST_NUMBER, since: 5_000, sinceWallClock: new Date('2026-01-01T12:00:05.000Z') });
  });

  it('ignores messages from before the trigger and says so', async () => {
    const world = fakeWorld();
    world.inbox.deliver(TEST_NUMBER, 'Your code is 999999');
    await world.clock.advance(1_000);

    const record = await run(world);

    expect(record.warnings).toEqual(['stale_messages_ignored']);
    expect(record.code).toBe('••••••');
  });

  it('does not warn about the previous run\'s own SMS when the number is used again', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    await run(world, checkSpec(), { leases });
    await world.clock.advance(60_000);

    const second = await run(world, checkSpec(), { leases });

    expect(second.outcome).toBe('success');
    expect(second.warnings).toEqual([]);
  });

  it('warns when a message reached the number between its previous run and this one', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 0 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    await run(world, checkSpec(), { leases });
    await world.clock.advance(30_000);
    world.inbox.deliver(TEST_NUMBER, 'Your code is 999999');
    await world.clock.advance(30_000);

    const second = await run(world, checkSpec(), { leases });

    expect(second.warnings).toEqual(['stale_messages_ignored']);
  });

  it('counts an SMS that beats the send acknowledgement, with a delivery latency of zero', async () => {
    const world = fakeWorld({ carrier: { delayMs: 100 } });

    const record = await run(world);

    expect(record.outcome).toBe('success');
    expect(record.timings.deliverMs).toBe(0);
  });

  it('uses the newest of several messages and warns duplicate_sms', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    void world.clock.sleep(100).then(() => world.inbox.deliver(TEST_NUMBER, 'Your code is 111111'));
    void world.clock.sleep(200).then(() => world.inbox.deliver(TEST_NUMBER, 'Your code is 222222'));

    const record = await run(world);

    expect(world.verifier.submitted).toEqual(['222222']);
    expect(record.warnings).toContain('duplicate_sms');
  });

  it('warns foreign_sms when two different codes arrived after the send and no send of ours explains the other', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    void world.clock.sleep(100).then(() => world.inbox.deliver(TEST_NUMBER, 'Your code is 111111'));
    void world.clock.sleep(200).then(() => world.inbox.deliver(TEST_NUMBER, 'Your code is 222222'));

    const record = await run(world);

    expect(record.warnings).toEqual(['duplicate_sms', 'foreign_sms']);
  });

  it('warns duplicate_sms when the carrier delivers the same SMS twice, and still succeeds', async () => {
    const record = await run(fakeWorld({ carrier: { duplicate: true } }));

    expect(record.outcome).toBe('success');
    expect(record.warnings).toEqual(['duplicate_sms']);
  });

  it('warns ambiguous_code when the message holds two equally likely codes', async () => {
    const record = await run(fakeWorld({ otp: { template: 'Your code is {{code}}. Your code is 000000.' } }));

    expect(record.warnings).toEqual(['ambiguous_code']);
  });

  it("keeps the receiving provider's timestamp beside ours", async () => {
    const record = await run(fakeWorld({ carrier: { providerClockOffsetMs: -300 } }));

    expect(record.providerReceivedAt).toBe('2026-01-01T12:00:01.700Z');
    expect(record.warnings).toEqual([]);
  });

  it("warns provider_clock_skew when the provider's timestamp is after we saw the message", async () => {
    const record = await run(fakeWorld({ carrier: { providerClockOffsetMs: 5_000 } }));

    expect(record.warnings).toEqual(['provider_clock_skew']);
    expect(record.outcome).toBe('success');
  });
});

describe('why a journey fails: exactly one reason', () => {
  it.each([
    ['trigger_rejected', new StageError('trigger_rejected', 'blocked country', { status: 403 })],
    ['trigger_rate_limited', new StageError('trigger_rate_limited', 'slow down', { status: 429, providerCode: '60203' })],
    ['trigger_error', new StageError('trigger_error', 'upstream 503', { status: 503 })],
  ] as const)('fails with %s when the trigger says so', async (reason, error) => {
    const world = fakeWorld();
    world.trigger.behaviour.failWith = error;

    const record = await run(world);

    expect(record).toMatchObject({ outcome: 'failure', reason, stage: 'trigger', origin: 'target', detail: error.message });
  });

  it('keeps the provider code of a refusal', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 60_000 } });
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    await run(world, checkSpec(), { leases });

    const record = await run(world, checkSpec(), { leases });

    expect(record).toMatchObject({ reason: 'trigger_rate_limited', providerCode: '60203' });
  });

  it('fails with trigger_error when the trigger does not answer within the step timeout', async () => {
    const world = fakeWorld();
    world.trigger.behaviour.hang = 'honouringAbort';

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'trigger_error', detail: 'no answer within 10 s', timings: { triggerMs: 10_000, totalMs: 10_000 } });
    expect(world.trigger.signals[0]?.aborted).toBe(true);
  });

  it('times out a trigger that ignores its abort signal all the same', async () => {
    const world = fakeWorld();
    world.trigger.behaviour.hang = 'ignoringAbort';

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'trigger_error', timings: { totalMs: 10_000 } });
  });

  it('fails with sms_undelivered and the carrier error code when the provider reports the SMS undelivered', async () => {
    const record = await run(fakeWorld({ carrier: { undeliveredCode: '30003' } }));

    expect(record).toMatchObject({
      reason: 'sms_undelivered',
      stage: 'deliver',
      providerCode: '30003',
      detail: 'the provider reported the message undelivered (error 30003)',
      timings: { totalMs: 2_000 },
    });
  });

  it('fails with sms_not_received when nothing arrives within the delivery timeout', async () => {
    const record = await run(fakeWorld({ carrier: { lose: true } }));

    expect(record).toMatchObject({ reason: 'sms_not_received', stage: 'deliver', detail: 'no SMS within 60 s', timings: { totalMs: 60_300 } });
    expect(record.deliverySeconds).toBeUndefined();
  });

  it('fails with sms_late, and does not verify, when the SMS arrives after the code’s TTL', async () => {
    const world = fakeWorld({ carrier: { delayMs: 8_000 } });

    const record = await run(world, checkSpec({ policy: { ttlMs: 5_000, resendWindowMs: 0, maxAttempts: 3 } }));

    expect(record).toMatchObject({ reason: 'sms_late', stage: 'deliver', deliverySeconds: 7.7 });
    expect(record.code).toBeDefined();
    expect(world.verifier.submitted).toEqual([]);
  });

  it('fails with code_not_found when the message holds no code', async () => {
    const world = fakeWorld({ otp: { template: 'Welcome to Acme! Reply STOP to opt out.' } });

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'code_not_found', stage: 'extract', deliverySeconds: 1.7 });
    expect(world.verifier.submitted).toEqual([]);
  });

  it('fails with code_rejected when the app refuses the code it just sent', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.failWith = new StageError('code_rejected', 'invalid code', { status: 400 });

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'code_rejected', stage: 'verify', origin: 'target', timings: { verifyMs: 200 } });
  });

  it('fails with code_expired when the app has already expired the code', async () => {
    const record = await run(fakeWorld({ otp: { ttlMs: 1_000 } }));

    expect(record).toMatchObject({ reason: 'code_expired', stage: 'verify' });
  });

  it('fails with verify_rate_limited when the verifier says so', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.failWith = new StageError('verify_rate_limited', 'max check attempts reached', { status: 429, providerCode: '60202' });

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'verify_rate_limited', providerCode: '60202' });
  });

  it('fails with verify_error when the verifier does not answer within the step timeout', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.hang = 'honouringAbort';

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'verify_error', stage: 'verify', timings: { verifyMs: 10_000 } });
  });

  it('fails with inbox_error, a probe-side failure, when the receiving provider fails', async () => {
    const world = fakeWorld();
    world.inbox.failure = new StageError('inbox_error', 'inbox API answered 500');

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'inbox_error', stage: 'deliver', origin: 'probe' });
  });

  it('fails with internal_error, masked, when a provider throws something other than a StageError', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.failWith = new TypeError(`cannot read code ${firstCode} of ${TEST_NUMBER}`);

    const record = await run(world);

    expect(record).toMatchObject({ reason: 'internal_error', stage: 'verify', origin: 'probe', detail: 'TypeError: cannot read code •••• of ••••' });
  });

  it('masks the number and the code in a provider’s message', async () => {
    const world = fakeWorld();
    world.verifier.behaviour.failWith = new StageError('code_rejected', `code ${firstCode} refused for 15555550100`);

    const record = await run(world);

    expect(record.detail).toBe('code •••• refused for ••••');
  });

  it('returns a record, not an exception, when a callback throws', async () => {
    const record = await run(fakeWorld(), checkSpec(), {
      onStage: (stage) => {
        if (stage === 'verify') throw new Error('progress display broke');
      },
    });

    expect(record).toMatchObject({ outcome: 'failure', reason: 'internal_error', stage: 'verify' });
  });
});

describe('the journey budget', () => {
  it('cuts the journey at timeouts.totalMs with the reason of the stage it was in', async () => {
    const world = fakeWorld({ carrier: { delayMs: 9_000 } });

    const record = await run(world, checkSpec({ timeouts: { deliveryMs: 60_000, totalMs: 5_000, stepMs: 10_000 } }));

    expect(record).toMatchObject({ reason: 'sms_not_received', detail: "the journey's 5 s budget ran out", timings: { totalMs: 5_000 } });
    expect(world.inbox.waiting).toBe(0);
  });
});

describe('cancellation', () => {
  it('records a run cut off by the caller as a cancelled internal_error in the stage it was in', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    const controller = new AbortController();
    void world.clock.sleep(1_000).then(() => controller.abort(new Error('shutting down')));

    const record = await run(world, checkSpec(), { signal: controller.signal });

    expect(record).toMatchObject({
      outcome: 'failure',
      reason: 'internal_error',
      origin: 'probe',
      stage: 'deliver',
      cancelled: true,
      detail: 'cancelled during deliver: shutting down',
      timings: { totalMs: 1_000 },
    });
    expect(world.inbox.waiting).toBe(0);
    expect(world.clock.pendingTimers).toBe(0);
  });

  it('records a run cancelled before it began, without sending', async () => {
    const world = fakeWorld();

    const record = await run(world, checkSpec(), { signal: AbortSignal.abort() });

    expect(record).toMatchObject({ reason: 'internal_error', cancelled: true, stage: 'trigger' });
    expect(world.trigger.sends).toBe(0);
  });

  it('leaves `cancelled` out of runs that finished on their own', async () => {
    const record = await run(fakeWorld({ carrier: { lose: true } }));

    expect(record).not.toHaveProperty('cancelled');
  });
});

describe('releasing the send of a failed run', () => {
  const releasedReferences = (world: FakeWorld) => world.trigger.releases.map((r) => r.reference);

  it.each([
    ['sms_not_received', () => fakeWorld({ carrier: { lose: true } })],
    ['code_rejected', () => {
      const world = fakeWorld();
      world.verifier.behaviour.failWith = new StageError('code_rejected', 'invalid code', { status: 400 });
      return world;
    }],
  ] as const)('releases the send once when the run fails with %s', async (reason, makeWorld) => {
    const world = makeWorld();

    const record = await run(world);

    expect(record.reason).toBe(reason);
    expect(releasedReferences(world)).toEqual(['VE1']);
  });

  it('releases the send once when the run is cancelled after the trigger', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    const controller = new AbortController();
    void world.clock.sleep(1_000).then(() => controller.abort(new Error('shutting down')));

    const record = await run(world, checkSpec(), { signal: controller.signal });

    expect(record.cancelled).toBe(true);
    expect(releasedReferences(world)).toEqual(['VE1']);
  });

  it('never releases the send of a run that verified', async () => {
    const world = fakeWorld();

    await run(world);

    expect(world.trigger.releases).toEqual([]);
  });

  it('has nothing to release when the trigger refused the send', async () => {
    const world = fakeWorld();
    world.trigger.behaviour.failWith = new StageError('trigger_rate_limited', 'slow down', { status: 429 });

    await run(world);

    expect(world.trigger.releases).toEqual([]);
  });

  it.each([
    ['throws', (behaviour: CallBehaviour) => (behaviour.failWith = new StageError('trigger_error', 'cancel refused'))],
    ['hangs, heeding its signal', (behaviour: CallBehaviour) => (behaviour.hang = 'honouringAbort')],
    ['hangs, ignoring its signal', (behaviour: CallBehaviour) => (behaviour.hang = 'ignoringAbort')],
  ])('records the same run, and leaves no timer, when the release %s', async (_, breakRelease) => {
    const baseline = await run(fakeWorld({ carrier: { lose: true } }), checkSpec(), { id: 'run' });
    const world = fakeWorld({ carrier: { lose: true } });
    breakRelease(world.trigger.releaseBehaviour);

    const record = await run(world, checkSpec(), { id: 'run' });

    expect(record).toEqual(baseline);
    expect(world.clock.pendingTimers).toBe(0);
  });

  it('gives a hanging release timeouts.stepMs, then aborts its signal', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    world.trigger.releaseBehaviour.hang = 'ignoringAbort';

    const record = await run(world);

    expect(world.clock.now()).toBe(record.timings.totalMs + 10_000);
    expect(world.trigger.releases[0]?.signal.aborted).toBe(true);
  });
});

describe('the number lease', () => {
  it('waits for a number held by another run, and starts the journey clock once it has it', async () => {
    const world = fakeWorld();
    const leases = new NumberLeases({ sleep: world.clock.sleep });
    const held = leases.tryAcquire(TEST_NUMBER);
    void world.clock.sleep(3_000).then(() => held?.release());

    const record = await world.clock.run(runCheck(checkSpec(), world.providers, { clock: world.clock, sleep: world.clock.sleep, leases }));

    expect(record).toMatchObject({ outcome: 'success', startedAt: '2026-01-01T12:00:03.000Z', timings: { totalMs: 2_200 } });
  });

  it('fails with internal_error when the number stays busy for the whole journey budget', async () => {
    const world = fakeWorld();
    const leases = new NumberLeases({ sleep: world.clock.sleep });
    leases.tryAcquire(TEST_NUMBER);

    const record = await world.clock.run(runCheck(checkSpec(), world.providers, { clock: world.clock, sleep: world.clock.sleep, leases }));

    expect(record).toMatchObject({ reason: 'internal_error', origin: 'probe', stage: 'trigger' });
    expect(record.detail).toContain('+1555•••0100 stayed busy');
    expect(world.trigger.sends).toBe(0);
  });

  it('releases the number when the run ends, however it ends', async () => {
    const world = fakeWorld({ carrier: { lose: true } });
    const leases = new NumberLeases({ sleep: world.clock.sleep });

    await world.clock.run(runCheck(checkSpec(), world.providers, { clock: world.clock, sleep: world.clock.sleep, leases }));

    expect(leases.isHeld(TEST_NUMBER)).toBe(false);
  });
});

describe("which SMS is the run's own: late SMS and other senders", () => {
  // Runs back to back on one number share its memory, as a batch, the probe and a test suite do, and
  // the app lets them send back to back.
  const backToBackWorld = (carrier: Partial<CarrierBehaviour> = {}) => fakeWorld({ otp: { resendWindowMs: 0 }, carrier });
  function backToBack(world: FakeWorld) {
    const leases = new NumberLeases({ sleep: world.clock.sleep, clock: world.clock });
    return (spec: CheckSpec, options: RunOptions = {}) => run(world, spec, { leases, ...options });
  }
  const quickDelivery = checkSpec({ timeouts: { deliveryMs: 3_000, totalMs: 60_000, stepMs: 10_000 }, policy: { ttlMs: 300_000, resendWindowMs: 0, maxAttempts: 3 } });
  /** The carrier takes `first` ms for the first send and `later` ms for every send after it. */
  function slowFirstSend(world: FakeWorld, first: number, later: number): RunOptions {
    world.service.carrier = { ...world.service.carrier, delayMs: first };
    return { onStage: (stage) => stage === 'deliver' && (world.service.carrier = { ...world.service.carrier, delayMs: later }) };
  }

  it("waits for the SMS the previous run never got before sending, so its stale code is never submitted", async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    const first = await runOn(quickDelivery, slowFirstSend(world, 5_000, 2_000));

    const second = await runOn(quickDelivery);

    expect(first.reason).toBe('sms_not_received');
    expect(second).toMatchObject({ outcome: 'success', warnings: ['late_sms_awaited'], code: '••••••' });
    expect(world.verifier.submitted).toEqual([codeNumber(1)]);
  });

  it('does not call a late SMS stale when it lands while the next run waits for it', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery, slowFirstSend(world, 5_000, 2_000));
    await world.clock.advance(1_000);

    const second = await runOn(quickDelivery);

    expect(second.warnings).toEqual(['late_sms_awaited']);
  });

  it('calls a late SMS stale when it landed while no run waited, before the next run began', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery, slowFirstSend(world, 5_000, 2_000));
    await world.clock.advance(3_000);

    const second = await runOn(quickDelivery);

    expect(second.warnings).toEqual(['late_sms_awaited', 'stale_messages_ignored']);
    expect(world.verifier.submitted).toEqual([codeNumber(1)]);
  });

  it('keeps the wait for a late SMS out of the journey and its latency', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery, slowFirstSend(world, 5_000, 2_000));

    const second = await runOn(quickDelivery);

    expect(second.timings).toMatchObject({ triggerMs: 300, deliverMs: 1_700, totalMs: 2_200 });
  });

  it('waits at most one delivery timeout for an SMS that never lands, and only once', async () => {
    const world = backToBackWorld({ lose: true });
    const runOn = backToBack(world);
    await runOn(quickDelivery);
    world.service.carrier = { ...world.service.carrier, lose: false };

    const before = world.clock.now();
    const second = await runOn(quickDelivery);
    const third = await runOn(quickDelivery);

    expect(second).toMatchObject({ outcome: 'success', warnings: ['late_sms_awaited'] });
    expect(world.clock.now() - before).toBe(3_000 + 2_200 + 2_200);
    expect(third.warnings).toEqual([]);
  });

  it('owes nothing after an SMS the provider reported undelivered', async () => {
    const world = backToBackWorld({ undeliveredCode: '30003' });
    const runOn = backToBack(world);
    await runOn(quickDelivery);
    world.service.carrier = { ...world.service.carrier, undeliveredCode: undefined };

    expect((await runOn(quickDelivery)).warnings).toEqual([]);
  });

  it('waits for the SMS of a send whose request timed out: the app may have sent it', async () => {
    const world = backToBackWorld({ delayMs: 4_000 });
    const runOn = backToBack(world);
    world.trigger.behaviour.latencyMs = 12_000;
    const first = await runOn(quickDelivery);
    world.trigger.behaviour.latencyMs = 300;
    world.service.carrier = { ...world.service.carrier, delayMs: 2_000 };

    const second = await runOn(quickDelivery);

    expect(first.reason).toBe('trigger_error');
    expect(second).toMatchObject({ outcome: 'success', warnings: ['late_sms_awaited'] });
    expect(world.verifier.submitted).toEqual([codeNumber(1)]);
  });

  it('retries with the newer SMS when a late one that outlasted the wait was refused, and says so', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery, slowFirstSend(world, 8_000, 3_000));

    const second = await runOn(quickDelivery);

    expect(second).toMatchObject({ outcome: 'success', warnings: ['late_sms_awaited', 'code_retried'], code: '••••••' });
    expect(world.verifier.submitted).toEqual([codeNumber(0), codeNumber(1)]);
  });

  it('blames itself, not the app, when a late SMS was refused and no attempt is left to try its own', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    const oneAttempt = checkSpec({ ...quickDelivery, policy: { ...quickDelivery.policy, maxAttempts: 1 } });
    await runOn(oneAttempt, slowFirstSend(world, 8_000, 3_000));

    const second = await runOn(oneAttempt);

    expect(second).toMatchObject({ outcome: 'failure', reason: 'number_contention', origin: 'probe', stage: 'verify' });
    expect(second.detail).toContain('earlier send(s) to the number never reached their run');
  });

  it('blames itself when another sender texted the number since its previous run and the app refused the code', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery);
    world.inbox.deliver(TEST_NUMBER, 'Your code is 777777');
    await world.clock.advance(1_000);
    world.verifier.behaviour.failWith = new StageError('code_rejected', 'invalid code', { status: 400 });

    const second = await runOn(quickDelivery);

    expect(second).toMatchObject({ reason: 'number_contention', origin: 'probe' });
    expect(second.detail).toContain('another process may be using the number');
    expect(second.detail).not.toContain('777777');
  });

  it("takes another sender's newer SMS as the second attempt when its send superseded the run's code, and warns foreign_sms", async () => {
    const world = backToBackWorld();
    const otherProcess = () => void world.clock.sleep(100).then(() => world.service.send(TEST_NUMBER));

    const record = await run(world, quickDelivery, { onStage: (stage) => stage === 'deliver' && otherProcess() });

    expect(record).toMatchObject({ outcome: 'success', warnings: ['code_retried', 'foreign_sms'] });
    expect(world.verifier.submitted).toEqual([codeNumber(0), codeNumber(1)]);
  });

  it("keeps to the check's resend window: the next run on the number waits it out instead of meeting the app's throttle", async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 30_000 } });
    const runOn = backToBack(world);
    await runOn(checkSpec());

    const second = await runOn(checkSpec());

    expect(second).toMatchObject({ outcome: 'success', startedAt: '2026-01-01T12:00:30.000Z', timings: { totalMs: 2_200 } });
  });

  it('blames itself when the app throttles a send right after another sender texted the number', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 60_000 } });
    const runOn = backToBack(world);
    await runOn(checkSpec());
    await world.clock.advance(60_000);
    world.service.send(TEST_NUMBER);
    await world.clock.advance(5_000);

    const second = await runOn(checkSpec());

    expect(second).toMatchObject({ reason: 'number_contention', origin: 'probe', stage: 'trigger', providerCode: '60203' });
    expect(second.detail).toContain('another process is using it');
  });

  it('leaves a throttle with nothing else on the number to the app: trigger_rate_limited, origin target', async () => {
    const world = fakeWorld({ otp: { resendWindowMs: 60_000 } });
    const runOn = backToBack(world);
    await runOn(checkSpec());

    const second = await runOn(checkSpec());

    expect(second).toMatchObject({ reason: 'trigger_rate_limited', origin: 'target' });
  });

  it('still fails code_rejected, origin target, when nothing else reached the number', async () => {
    const world = backToBackWorld();
    const runOn = backToBack(world);
    await runOn(quickDelivery);
    world.verifier.behaviour.failWith = new StageError('code_rejected', 'invalid code', { status: 400 });

    const second = await runOn(quickDelivery);

    expect(second).toMatchObject({ reason: 'code_rejected', origin: 'target', timings: { verifyMs: 200 } });
    expect(world.verifier.submitted).toHaveLength(2);
  });
});
