// The simulated carrier's fates and timing, and the ground truth that records them.

import { describe, expect, it } from 'vitest';
import { createSandboxInbox, createSandboxTrigger } from '../src/providers/sandbox/index.js';
import { api, formReceiver, never, NUMBER, quickSandbox, sendOtp } from './support/sandbox.js';

const inboxPath = (to = NUMBER): string => `/api/inbox/messages?to=${encodeURIComponent(to)}`;

describe('carrier fates', () => {
  it('loses a message silently: nothing arrives and the status stays sent', async () => {
    const sandbox = await quickSandbox({ carrier: { loss: 1 } });
    const { body } = await sendOtp(sandbox);
    await sandbox.idle();
    expect((await api(sandbox, 'GET', inboxPath())).body.messages).toEqual([]);
    expect((await api(sandbox, 'GET', `/api/otp/requests/${body.requestId}`)).body).toEqual({ status: 'sent' });
    expect(sandbox.groundTruth().sends[0]).toMatchObject({ fate: 'lost', trueDelayMs: null });
  });

  it('reports an undelivered message to the trigger’s deliveryFailure with carrier code 30003', async () => {
    const sandbox = await quickSandbox({ carrier: { undelivered: 1 } });
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const { deliveryFailure } = await trigger.send({ number: NUMBER, signal: never });
    await expect(deliveryFailure).resolves.toEqual({ status: 'undelivered', errorCode: '30003' });
    expect(sandbox.groundTruth().sends[0]).toMatchObject({ fate: 'undelivered', status: 'undelivered', errorCode: '30003' });
  });

  it('delivers a duplicated message twice, under two message ids, the second copy later', async () => {
    const sandbox = await quickSandbox({ carrier: { duplicates: 1 } });
    await sendOtp(sandbox);
    await sandbox.idle();
    const { messages } = (await api(sandbox, 'GET', inboxPath())).body;
    expect(messages).toHaveLength(2);
    expect(messages[0].id).not.toBe(messages[1].id);
    expect(messages[0].body).toBe(messages[1].body);
    const [send] = sandbox.groundTruth().sends;
    expect(send!.duplicateDelayMs).toBeGreaterThan(send!.trueDelayMs!);
  });

  it('refuses a blocked destination with 403, which the trigger reports as trigger_rejected', async () => {
    const sandbox = await quickSandbox({ carrier: { blockedPrefixes: ['+44'] } });
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const sending = trigger.send({ number: '+447700900123', signal: never });
    await expect(sending).rejects.toMatchObject({ reason: 'trigger_rejected', details: { status: 403 } });
    await expect(sending).rejects.not.toThrow(/447700900123/);
    expect(sandbox.groundTruth().sends[0]).toMatchObject({ fate: 'blocked', requestId: null });
  });

  it('lets the trigger’s deliveryFailure stay pending for a delivered message', async () => {
    const sandbox = await quickSandbox();
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const { deliveryFailure } = await trigger.send({ number: NUMBER, signal: never });
    const status = await api(sandbox, 'GET', `/api/otp/requests/${sandbox.groundTruth().sends[0]!.requestId}?waitFor=final&timeout=2000`);
    expect(status.body).toEqual({ status: 'delivered' });
    const settled = await Promise.race([deliveryFailure!.then(() => 'settled'), sandbox.idle().then(() => 'pending')]);
    expect(settled).toBe('pending');
  });
});

describe('status callbacks', () => {
  it('POSTs sent then delivered, Twilio-style, to the statusCallback given at send', async () => {
    const receiver = await formReceiver();
    try {
      const sandbox = await quickSandbox();
      await sendOtp(sandbox, NUMBER, { statusCallback: `${receiver.url}/status` });
      const posts = await receiver.received(2);
      expect(posts.map((post) => post.params['MessageStatus'])).toEqual(['sent', 'delivered']);
      expect(posts[0]!.params).toMatchObject({ To: NUMBER, MessageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    } finally {
      await receiver.close();
    }
  });

  it('carries ErrorCode 30003 on an undelivered status', async () => {
    const receiver = await formReceiver();
    try {
      const sandbox = await quickSandbox({ carrier: { undelivered: 1 } });
      await sendOtp(sandbox, NUMBER, { statusCallback: `${receiver.url}/status` });
      const posts = await receiver.received(2);
      expect(posts[1]!.params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30003' });
    } finally {
      await receiver.close();
    }
  });
});

describe('ground truth', () => {
  it('records delays that match what a long-polling client measures, within 5 ms at the median', async () => {
    const sandbox = await quickSandbox({ carrier: { delayMedianMs: 40, delayP95Ms: 120 } });
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 2_000, timeoutMs: 2_000 });
    const numbers = Array.from({ length: 30 }, (_, i) => `+1555555${String(i).padStart(4, '0')}`);

    const journey = async (number: string) => {
      const sinceWallClock = new Date();
      const { reference } = await trigger.send({ number, signal: never });
      const acceptedAt = performance.now();
      const { messages } = await inbox.waitForSms({ number, signal: never, since: acceptedAt, sinceWallClock });
      return { reference, latencyMs: messages[0]!.receivedAt - acceptedAt };
    };
    // Three at a time, as a gate runs them: thirty sends in one burst measure the event loop's queue, not the sandbox.
    const measured = [];
    for (let i = 0; i < numbers.length; i += 3) measured.push(...(await Promise.all(numbers.slice(i, i + 3).map(journey))));

    const truth = sandbox.groundTruth();
    const differences = measured
      .map(({ reference, latencyMs }) => Math.abs(latencyMs - truth.sends.find((send) => send.requestId === reference)!.trueDelayMs!))
      .sort((a, b) => a - b);
    expect(differences[Math.floor(differences.length / 2)]).toBeLessThan(5);
  });

  it('records the applied delay, never less than the drawn one', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 }, carrier: { delayMedianMs: 10, delayP95Ms: 30 } });
    for (let i = 0; i < 10; i++) await sendOtp(sandbox);
    await sandbox.idle();
    for (const send of sandbox.groundTruth().sends) {
      expect(send.trueDelayMs).toBeGreaterThanOrEqual(Math.floor(send.drawnDelayMs!) - 1);
      expect(send.deliveredAtEpochMs! - send.acceptedAtEpochMs).toBeCloseTo(send.trueDelayMs!, 2);
    }
  });

  it('replays the same delays and fates for the same seed', async () => {
    const overrides = { seed: 11, otp: { resendWindowMs: 0 }, carrier: { loss: 0.3, duplicates: 0.3 } };
    const plans = await Promise.all(
      [1, 2].map(async () => {
        const sandbox = await quickSandbox(overrides);
        for (let i = 0; i < 10; i++) await sendOtp(sandbox);
        return sandbox.groundTruth().sends.map(({ fate, drawnDelayMs, code }) => ({ fate, drawnDelayMs, code }));
      }),
    );
    expect(plans[0]).toEqual(plans[1]);
  });

  it('is served at GET /_sandbox/ground-truth with counts per fate', async () => {
    const sandbox = await quickSandbox({ carrier: { loss: 1 } });
    await sendOtp(sandbox);
    const { body } = await api(sandbox, 'GET', '/_sandbox/ground-truth');
    expect(body).toEqual(sandbox.groundTruth());
    expect(body.counts.sends).toMatchObject({ lost: 1, delivered: 0 });
  });
});

describe('the sandbox inbox provider', () => {
  it('keeps waiting across polls until a message arrives', async () => {
    const sandbox = await quickSandbox({ carrier: { delayMedianMs: 120, delayP95Ms: 120 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 30, timeoutMs: 2_000 });
    const sinceWallClock = new Date();
    await sendOtp(sandbox);
    const { messages } = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock });
    expect(messages).toHaveLength(1);
  });

  it('refuses a pollIntervalMs that is not positive, naming it', () => {
    expect(() => createSandboxInbox({ baseUrl: 'http://127.0.0.1:1', pollIntervalMs: 0, timeoutMs: 1 })).toThrow(/pollIntervalMs/);
  });
});
