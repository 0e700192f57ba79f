// Each anti-abuse control of the reference OTP service, enforced by default and dropped on request.

import { describe, expect, it } from 'vitest';
import type { WeakenableControl } from '../src/sandbox/index.js';
import { issuedCode, quickSandbox, sendOtp, verifyOtp, wrongCode } from './support/sandbox.js';

async function sandboxWith(weaken: WeakenableControl[], otp: Record<string, number> = {}) {
  return quickSandbox({ otp: { weaken, ...otp } });
}

async function sendAndRead(sandbox: Awaited<ReturnType<typeof quickSandbox>>): Promise<string> {
  const sent = await sendOtp(sandbox);
  expect(sent.status).toBe(200);
  return issuedCode(sandbox, sent.body.requestId);
}

describe('wrong_code_rejected', () => {
  it('refuses a wrong code with 401 invalid_code', async () => {
    const sandbox = await sandboxWith([]);
    const code = await sendAndRead(sandbox);
    expect(await verifyOtp(sandbox, wrongCode(code))).toMatchObject({ status: 401, body: { error: 'invalid_code' } });
  });

  it('accepts any code when weakened, and records that the code was wrong', async () => {
    const sandbox = await sandboxWith(['wrong_code_rejected']);
    const code = await sendAndRead(sandbox);
    expect(await verifyOtp(sandbox, wrongCode(code))).toMatchObject({ status: 200, body: { status: 'approved' } });
    expect(sandbox.groundTruth().verifications[0]).toMatchObject({ codeCorrect: false, result: 'approved' });
  });
});

describe('max_attempts_lockout', () => {
  it('refuses even the right code with 429 max_attempts after maxAttempts wrong codes', async () => {
    const sandbox = await sandboxWith([], { maxAttempts: 3 });
    const code = await sendAndRead(sandbox);
    for (let attempt = 0; attempt < 3; attempt++) expect((await verifyOtp(sandbox, wrongCode(code))).status).toBe(401);
    expect(await verifyOtp(sandbox, code)).toMatchObject({ status: 429, body: { error: 'max_attempts' } });
  });

  it('still accepts the right code after many wrong ones when weakened', async () => {
    const sandbox = await sandboxWith(['max_attempts_lockout'], { maxAttempts: 3 });
    const code = await sendAndRead(sandbox);
    for (let attempt = 0; attempt < 5; attempt++) await verifyOtp(sandbox, wrongCode(code));
    expect((await verifyOtp(sandbox, code)).status).toBe(200);
  });
});

describe('single_use', () => {
  it('refuses a code the second time with 404 no_pending_code', async () => {
    const sandbox = await sandboxWith([]);
    const code = await sendAndRead(sandbox);
    expect((await verifyOtp(sandbox, code)).status).toBe(200);
    expect(await verifyOtp(sandbox, code)).toMatchObject({ status: 404, body: { error: 'no_pending_code' } });
  });

  it('accepts the same code again when weakened', async () => {
    const sandbox = await sandboxWith(['single_use']);
    const code = await sendAndRead(sandbox);
    await verifyOtp(sandbox, code);
    expect((await verifyOtp(sandbox, code)).status).toBe(200);
  });
});

describe('resend_invalidates_previous', () => {
  it('refuses the earlier code after a resend', async () => {
    const sandbox = await sandboxWith([], { resendWindowMs: 0 });
    const first = await sendAndRead(sandbox);
    const second = await sendAndRead(sandbox);
    expect(first).not.toBe(second);
    expect((await verifyOtp(sandbox, first)).status).toBe(401);
  });

  it('keeps the earlier code valid after a resend when weakened', async () => {
    const sandbox = await sandboxWith(['resend_invalidates_previous'], { resendWindowMs: 0 });
    const first = await sendAndRead(sandbox);
    await sendAndRead(sandbox);
    expect((await verifyOtp(sandbox, first)).status).toBe(200);
  });
});

describe('resend_throttled', () => {
  it('refuses a resend inside the window with 429 resend_throttled and Retry-After', async () => {
    const sandbox = await sandboxWith([], { resendWindowMs: 30_000 });
    await sendAndRead(sandbox);
    const resend = await sendOtp(sandbox);
    expect(resend).toMatchObject({ status: 429, body: { error: 'resend_throttled' } });
    expect(Number(resend.headers['retry-after'])).toBe(30);
    expect(sandbox.groundTruth().counts.sends.throttled).toBe(1);
  });

  it('lets a resend through inside the window when weakened', async () => {
    const sandbox = await sandboxWith(['resend_throttled'], { resendWindowMs: 30_000 });
    await sendAndRead(sandbox);
    expect((await sendOtp(sandbox)).status).toBe(200);
  });
});

describe('code_expires', () => {
  // A TTL of 0 makes every code expired by the time a verify reaches the service.
  it('refuses a code older than the TTL with 410 expired', async () => {
    const sandbox = await sandboxWith([], { ttlMs: 0 });
    const code = await sendAndRead(sandbox);
    expect(await verifyOtp(sandbox, code)).toMatchObject({ status: 410, body: { error: 'expired' } });
  });

  it('accepts a code older than the TTL when weakened', async () => {
    const sandbox = await sandboxWith(['code_expires'], { ttlMs: 0 });
    const code = await sendAndRead(sandbox);
    expect((await verifyOtp(sandbox, code)).status).toBe(200);
  });
});

describe('concurrent_verify_once', () => {
  const CONCURRENT = 8;

  it('approves exactly one of concurrent submits of the same code', async () => {
    const sandbox = await sandboxWith([]);
    const code = await sendAndRead(sandbox);
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => verifyOtp(sandbox, code)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
  });

  it('approves several concurrent submits of the same code when weakened', async () => {
    const sandbox = await sandboxWith(['concurrent_verify_once']);
    const code = await sendAndRead(sandbox);
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => verifyOtp(sandbox, code)));
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThan(1);
  });

  it('still approves a code only once when submitted one after another, even when weakened', async () => {
    const sandbox = await sandboxWith(['concurrent_verify_once']);
    const code = await sendAndRead(sandbox);
    expect((await verifyOtp(sandbox, code)).status).toBe(200);
    expect((await verifyOtp(sandbox, code)).status).toBe(404);
  });
});

describe('codes', () => {
  it('are codeLength digits, leading zeros kept', async () => {
    const sandbox = await quickSandbox({ otp: { codeLength: 4, resendWindowMs: 0 } });
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) codes.push(await sendAndRead(sandbox));
    expect(codes.every((code) => /^\d{4}$/.test(code))).toBe(true);
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
  });

  it('replay exactly with the same seed', async () => {
    const first = await quickSandbox({ seed: 99 });
    const second = await quickSandbox({ seed: 99 });
    expect(await sendAndRead(first)).toBe(await sendAndRead(second));
  });
});
