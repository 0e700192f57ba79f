// Faults on demand, per endpoint group, and how the sandbox providers name each one.

import { describe, expect, it } from 'vitest';
import type { FailureReason } from '../src/core/outcome.js';
import { createSandboxInbox, createSandboxTrigger, createSandboxVerifier } from '../src/providers/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { api, never, NUMBER, quickSandbox } from './support/sandbox.js';

type Kind = 'error' | 'rateLimit' | 'slow' | 'reset' | 'malformed';

const TIMEOUT_MS = 100;

/** One provider call against the group's endpoint. */
const callGroup = {
  send: (sandbox: Sandbox) => createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: TIMEOUT_MS }).send({ number: NUMBER, signal: never }),
  verify: (sandbox: Sandbox) => createSandboxVerifier({ baseUrl: sandbox.url, timeoutMs: TIMEOUT_MS }).verify({ number: NUMBER, code: '123456', signal: never }),
  inbox: (sandbox: Sandbox) =>
    createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 50, timeoutMs: TIMEOUT_MS }).waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: new Date() }),
};

const expected: Record<keyof typeof callGroup, Record<Kind, FailureReason>> = {
  send: { error: 'trigger_error', rateLimit: 'trigger_rate_limited', slow: 'trigger_error', reset: 'trigger_error', malformed: 'trigger_error' },
  verify: { error: 'verify_error', rateLimit: 'verify_rate_limited', slow: 'verify_error', reset: 'verify_error', malformed: 'verify_error' },
  inbox: { error: 'inbox_error', rateLimit: 'inbox_error', slow: 'inbox_error', reset: 'inbox_error', malformed: 'inbox_error' },
};

const cases = (Object.keys(expected) as (keyof typeof callGroup)[]).flatMap((group) =>
  (Object.keys(expected[group]) as Kind[]).map((kind) => ({ group, kind, reason: expected[group][kind] })),
);

describe('faults mapped by the sandbox providers', () => {
  it.each(cases)('$group $kind → $reason, with its cause', async ({ group, kind, reason }) => {
    const sandbox = await quickSandbox({ faults: { [group]: { [kind]: 1 }, slowMs: 1_000 } });
    const error = await callGroup[group](sandbox).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ name: 'StageError', reason });
    expect((error as Error).cause).toBeDefined();
    expect(sandbox.groundTruth().counts.faults[kind]).toBe(1);
  });

  it('passes Retry-After on as retryAfterSeconds', async () => {
    const sandbox = await quickSandbox({ faults: { send: { rateLimit: 1 }, retryAfterSeconds: 17 } });
    await expect(callGroup.send(sandbox)).rejects.toMatchObject({ details: { status: 429, retryAfterSeconds: 17 } });
  });

  it('answers malformed bodies both as non-JSON and as wrong-shaped JSON', async () => {
    const sandbox = await quickSandbox({ faults: { verify: { malformed: 1 } } });
    const bodies = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const answer = await fetch(`${sandbox.url}/api/otp/verify`, { method: 'POST', body: '{}', headers: { connection: 'close' } });
      bodies.add(await answer.text());
    }
    expect(bodies.size).toBe(2);
  });

  it('leaves an endpoint group without faults alone', async () => {
    const sandbox = await quickSandbox({ faults: { verify: { error: 1 } } });
    await expect(callGroup.send(sandbox)).resolves.toMatchObject({ reference: expect.any(String) });
  });
});

describe('changing faults at runtime', () => {
  it('applies a POST /_sandbox/faults change to the next request', async () => {
    const sandbox = await quickSandbox();
    const changed = await api(sandbox, 'POST', '/_sandbox/faults', { send: { error: 1 } });
    expect(changed).toMatchObject({ status: 200, body: { send: { error: 1, reset: 0 } } });
    await expect(callGroup.send(sandbox)).rejects.toMatchObject({ reason: 'trigger_error', details: { status: 503 } });
  });

  it('applies setFaults() to the next request and keeps what it does not mention', async () => {
    const sandbox = await quickSandbox({ faults: { inbox: { reset: 1 } } });
    sandbox.setFaults({ send: { error: 1 } });
    expect(sandbox.faults()).toMatchObject({ send: { error: 1 }, inbox: { reset: 1 } });
  });

  it('refuses a bad change with 400 naming the field', async () => {
    const sandbox = await quickSandbox();
    const answer = await api(sandbox, 'POST', '/_sandbox/faults', { verify: { error: 1.5 } });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_faults', message: expect.stringContaining('faults.verify.error') } });
  });

  it('refuses exclusive fault rates that add up to more than 1', async () => {
    const sandbox = await quickSandbox();
    expect(() => sandbox.setFaults({ send: { error: 0.6, reset: 0.6 } })).toThrow(/faults\.send/);
  });
});

describe('provider answers outside faults', () => {
  it('maps a verify 401 to code_rejected, 410 to code_expired and 429 to verify_rate_limited', async () => {
    const sandbox = await quickSandbox({ otp: { ttlMs: 0, maxAttempts: 1 } });
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const verifier = createSandboxVerifier({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    await trigger.send({ number: NUMBER, signal: never });
    const code = sandbox.groundTruth().sends[0]!.code!;
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(verifier.verify({ number: NUMBER, code, signal: never })).rejects.toMatchObject({ reason: 'code_expired' });
    await expect(verifier.verify({ number: NUMBER, code: wrong, signal: never })).rejects.toMatchObject({ reason: 'code_rejected' });
    await expect(verifier.verify({ number: NUMBER, code, signal: never })).rejects.toMatchObject({ reason: 'verify_rate_limited' });
  });

  it('maps a send 429 resend_throttled to trigger_rate_limited', async () => {
    const sandbox = await quickSandbox();
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    await trigger.send({ number: NUMBER, signal: never });
    await expect(trigger.send({ number: NUMBER, signal: never })).rejects.toMatchObject({ reason: 'trigger_rate_limited', details: { retryAfterSeconds: 30 } });
  });

  it('maps an unreachable sandbox to trigger_error without the full number in the message', async () => {
    const trigger = createSandboxTrigger({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    const sending = trigger.send({ number: NUMBER, signal: never });
    await expect(sending).rejects.toMatchObject({ reason: 'trigger_error', message: expect.stringContaining('+1555•••0100') });
    await expect(sending).rejects.not.toThrow(NUMBER);
  });

  it('never puts the code in a verify error message', async () => {
    const sandbox = await quickSandbox();
    const verifier = createSandboxVerifier({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    await expect(verifier.verify({ number: NUMBER, code: '987654', signal: never })).rejects.not.toThrow('987654');
  });
});
