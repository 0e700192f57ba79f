// waitForOtp is what a Playwright or vitest test calls after its app sends a code: it must return the
// code of the SMS that arrived after `since`, never an older one nor one it returned before, and fail
// clearly when none comes.

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CODE_MEMORY, NumberLeases } from '../src/core/lease.js';
import type { Clock } from '../src/core/providers.js';
import { ConcurrentOtpWaitError, OtpNotReceivedError, waitForOtp } from '../src/library/wait-for-otp.js';
import { createSandboxInbox } from '../src/providers/sandbox/index.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import { createWebhookInbox, type SelfHostedWebhookInbox } from '../src/providers/webhook/receiver.js';
import type { SendRecord } from '../src/sandbox/ground-truth.js';
import { issuedCode, NUMBER, quickSandbox, sendOtp } from './support/sandbox.js';

describe('waitForOtp', () => {
  it('returns the code the sandbox sent to the number', async () => {
    const sandbox = await quickSandbox();
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });

    const since = new Date();
    const sent = await sendOtp(sandbox);
    const { code, message } = await waitForOtp({ inbox, number: NUMBER, since, timeoutMs: 5_000 });

    expect(code).toBe(issuedCode(sandbox, sent.body.requestId));
    expect(message.to).toBe(NUMBER);
  });

  it('never returns a code that arrived before `since`', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    const first = await sendOtp(sandbox);
    await waitForOtp({ inbox, number: NUMBER, timeoutMs: 5_000, since: new Date(0) });

    const since = new Date();
    const second = await sendOtp(sandbox);
    const { code } = await waitForOtp({ inbox, number: NUMBER, since, timeoutMs: 5_000 });

    expect(code).toBe(issuedCode(sandbox, second.body.requestId));
    expect(code).not.toBe(issuedCode(sandbox, first.body.requestId));
  });

  it('fails with OtpNotReceivedError, naming the masked number, when no SMS arrives in time', async () => {
    const sandbox = await quickSandbox();
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 100, timeoutMs: 2_000 });

    const waiting = waitForOtp({ inbox, number: NUMBER, timeoutMs: 300 });

    await expect(waiting).rejects.toThrow(OtpNotReceivedError);
    await expect(waiting).rejects.toThrow(/\+1555•••0100 arrived within 300 ms/);
  });
});

// A suite shares one inbox across its tests. A carrier can deliver a second copy of one test's SMS
// after the next test's `since`: its code is spent, and the next test must get its own.

const SECRET = 'wait-for-otp-gateway';
const OTHER_NUMBER = '+15555550101';

const gateways: SelfHostedWebhookInbox[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((inbox) => inbox.close()));
});

/**
 * A suite's shared inbox: a webhook inbox fed by real HTTP pushes in the generic format, as an SMS
 * gateway sends them. It stamps messages on a clock moved by hand, so each test's `since` is
 * unambiguously after every message of the tests before it.
 */
async function sharedInbox(options: { leases?: NumberLeases; clock?: ManualClock } = {}) {
  const clock = options.clock ?? manualClock();
  const inbox = await createWebhookInbox({ generic: { secret: SECRET }, clock });
  gateways.push(inbox);
  const wait = (number: string, since: Date, timeoutMs = 5_000) =>
    waitForOtp({ inbox, number, since, timeoutMs, clock, ...(options.leases && { leases: options.leases }) });
  const suite = {
    wait,
    /** An SMS carrying `code` reaches the number; resolves once it is stored. Each copy has its own id. */
    async push(to: string, code: string): Promise<void> {
      const body = JSON.stringify({ id: randomUUID(), to, body: `Your Acme code is ${code}` });
      const answer = await fetch(`${inbox.url}/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': genericSignature(SECRET, body) },
        body,
      });
      expect(answer.status).toBe(204);
    },
    /** A test begins, a second after the one before: its `since`. */
    nextTest(): Date {
      clock.advance(1_000);
      return clock.wallNow();
    },
    /** A whole test: the app texts `code` to the number, and waitForOtp reads it. */
    async receive(number: string, code: string): Promise<string> {
      const since = suite.nextTest();
      await suite.push(number, code);
      return (await wait(number, since)).code;
    },
  };
  return suite;
}

interface ManualClock extends Clock {
  advance(ms: number): void;
}

function manualClock(): ManualClock {
  let now = 0;
  return { now: () => now, wallNow: () => new Date(Date.UTC(2026, 0, 1) + now), advance: (ms) => (now += ms) };
}

describe('waitForOtp on an inbox the tests of a suite share', () => {
  it('passes over a late copy of the previous test’s SMS landing after `since`, and returns the fresh code', async () => {
    const suite = await sharedInbox();
    await suite.receive(NUMBER, '111111');

    const since = suite.nextTest();
    await suite.push(NUMBER, '111111'); // the carrier's late second copy of the previous test's SMS
    const waiting = suite.wait(NUMBER, since);
    await suite.push(NUMBER, '222222');

    expect((await waiting).code).toBe('222222');
  });

  it('times out when only late copies arrive, saying how many it passed over', async () => {
    const suite = await sharedInbox();
    await suite.receive(NUMBER, '111111');

    const since = suite.nextTest();
    await suite.push(NUMBER, '111111');
    await suite.push(NUMBER, '111111');
    const waiting = suite.wait(NUMBER, since, 300);

    await expect(waiting).rejects.toThrow(OtpNotReceivedError);
    await expect(waiting).rejects.toThrow('no SMS with a code to +1555•••0100 arrived within 300 ms; passed over 2 SMS carrying codes returned earlier');
  });

  it('remembers the code a resend superseded, so a late copy of it is passed over too', async () => {
    const suite = await sharedInbox();
    const since = suite.nextTest();
    await suite.push(NUMBER, '111111');
    await suite.push(NUMBER, '222222');
    expect((await suite.wait(NUMBER, since)).code).toBe('222222');

    const nextSince = suite.nextTest();
    await suite.push(NUMBER, '111111');
    const waiting = suite.wait(NUMBER, nextSince);
    await suite.push(NUMBER, '333333');

    expect((await waiting).code).toBe('333333');
  });

  it('keeps each number’s codes apart, while tests on different numbers wait at once', async () => {
    const suite = await sharedInbox();
    await suite.receive(NUMBER, '111111');

    const since = suite.nextTest();
    await suite.push(NUMBER, '111111'); // a late copy
    const onNumber = suite.wait(NUMBER, since);
    const onOtherNumber = suite.wait(OTHER_NUMBER, since);
    await suite.push(OTHER_NUMBER, '111111'); // the other number's own code, equal by chance
    await suite.push(NUMBER, '222222');

    expect((await onNumber).code).toBe('222222');
    expect((await onOtherNumber).code).toBe('111111');
  });

  it('refuses a second wait on a number while one is waiting, and frees the number when that wait ends', async () => {
    const suite = await sharedInbox();
    const since = suite.nextTest();
    const first = suite.wait(NUMBER, since, 300);

    const second = suite.wait(NUMBER, since, 1_000);

    await expect(second).rejects.toThrow(ConcurrentOtpWaitError);
    await expect(second).rejects.toThrow('another waitForOtp on this inbox is already waiting for a code to +1555•••0100');
    await expect(first).rejects.toThrow(OtpNotReceivedError);
    expect(await suite.receive(NUMBER, '111111')).toBe('111111');
  });

  it('gives five tests in a row on a carrier that delivers every SMS twice each its own code', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 }, carrier: { duplicates: 1, delayMedianMs: 400, delayP95Ms: 1_200 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });

    const returned: string[] = [];
    const issued: string[] = [];
    for (let test = 0; test < 5; test += 1) {
      const since = new Date();
      const sent = await sendOtp(sandbox);
      returned.push((await waitForOtp({ inbox, number: NUMBER, since, timeoutMs: 5_000 })).code);
      issued.push(issuedCode(sandbox, sent.body.requestId));
    }
    await sandbox.idle();

    expect(copiesLandingBeforeTheNextSms(sandbox.groundTruth().sends)).toBeGreaterThan(0);
    expect(returned).toEqual(issued);
    expect(new Set(returned).size).toBe(5);
  });
});

/** Second copies that landed once the next send was accepted and before its own SMS: alone in its wait. */
function copiesLandingBeforeTheNextSms(sends: readonly SendRecord[]): number {
  return sends.filter((send, i) => {
    const next = sends[i + 1];
    if (next?.deliveredAtEpochMs == null || send.duplicateDelayMs === null) return false;
    const copyAt = send.acceptedAtEpochMs + send.duplicateDelayMs;
    return copyAt >= next.acceptedAtEpochMs && copyAt < next.deliveredAtEpochMs;
  }).length;
}

describe('waitForOtp’s memory of the codes it returned', () => {
  it(`forgets a number’s oldest code once ${DEFAULT_CODE_MEMORY.codes} newer ones were returned`, async () => {
    const suite = await sharedInbox();
    const codes = Array.from({ length: DEFAULT_CODE_MEMORY.codes + 1 }, (_, i) => String(200_000 + i));
    for (const code of codes) await suite.receive(NUMBER, code);

    // Late copies of the first two codes: only the second is still remembered.
    const since = suite.nextTest();
    await suite.push(NUMBER, codes[0]!);
    await suite.push(NUMBER, codes[1]!);

    expect((await suite.wait(NUMBER, since)).code).toBe(codes[0]);
  });

  it('forgets a code the memory’s duration after it was returned', async () => {
    const clock = manualClock();
    const suite = await sharedInbox({ clock, leases: new NumberLeases({ clock }) });
    await suite.receive(NUMBER, '111111');

    clock.advance(DEFAULT_CODE_MEMORY.forMs - 2_000);
    const since = suite.nextTest(); // one second before the code is forgotten
    await suite.push(NUMBER, '222222');
    await suite.push(NUMBER, '111111');
    expect((await suite.wait(NUMBER, since)).code).toBe('222222');

    clock.advance(DEFAULT_CODE_MEMORY.forMs);
    expect(await suite.receive(NUMBER, '222222')).toBe('222222');
  });
});
