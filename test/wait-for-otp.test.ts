// waitForOtp is what a Playwright or vitest test calls after its app sends a code: it must return the
// code of the SMS that arrived after `since`, never an older one, and fail clearly when none comes.

import { describe, expect, it } from 'vitest';
import { createSandboxInbox } from '../src/providers/sandbox/index.js';
import { OtpNotReceivedError, waitForOtp } from '../src/library/wait-for-otp.js';
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
