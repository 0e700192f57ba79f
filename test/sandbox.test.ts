import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createSandboxInbox, createSandboxTrigger, createSandboxVerifier } from '../src/providers/sandbox/index.js';
import { resolveSandboxOptions, SANDBOX_SENDER, startSandbox } from '../src/sandbox/index.js';
import { api, never, NUMBER, quickSandbox, sendOtp } from './support/sandbox.js';

describe('the sandbox, end to end through its providers', () => {
  it('sends a code, delivers it to the inbox and approves it', async () => {
    const sandbox = await quickSandbox();
    const trigger = createSandboxTrigger({ baseUrl: sandbox.url, timeoutMs: 2_000 });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    const verifier = createSandboxVerifier({ baseUrl: sandbox.url, timeoutMs: 2_000 });

    const sinceWallClock = new Date();
    const sent = await trigger.send({ number: NUMBER, signal: never });
    const { messages, staleIgnored } = await inbox.waitForSms({ number: NUMBER, signal: never, since: performance.now(), sinceWallClock });
    const code = /\b(\d{6})\b/.exec(messages[0]!.body)![1]!;
    await verifier.verify({ number: NUMBER, code, signal: never });

    expect(sent.reference).toMatch(/^VE[0-9a-f]{32}$/);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ to: NUMBER, from: SANDBOX_SENDER });
    expect(staleIgnored).toBe(0);
    expect(sandbox.groundTruth().verifications).toEqual([expect.objectContaining({ requestId: sent.reference, codeCorrect: true, result: 'approved' })]);
  });

  it('writes the SMS from the template, with the code and the TTL in minutes', async () => {
    const sandbox = await quickSandbox({ otp: { template: 'Code {{code}}, valid {{minutes}} min', ttlMs: 120_000, codeLength: 8 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    const since = new Date();
    await sendOtp(sandbox);
    const { messages } = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: since });
    expect(messages[0]!.body).toMatch(/^Code \d{8}, valid 2 min$/);
  });

  it('counts messages from before `since` as stale instead of returning them', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    await sendOtp(sandbox);
    await sandbox.idle();
    const since = new Date(Date.now() + 1);
    await sendOtp(sandbox);
    const result = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: since });
    expect(result.messages).toHaveLength(1);
    expect(result.staleIgnored).toBe(1);
  });

  it('counts as stale only the earlier messages that arrived after `unexpectedAfterWallClock`', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    await sendOtp(sandbox);
    await sandbox.idle();
    const previousRunEnded = new Date(Date.now() + 1);
    await sendOtp(sandbox);
    await sandbox.idle();
    const since = new Date(Date.now() + 1);
    await sendOtp(sandbox);
    const result = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: since, unexpectedAfter: 0, unexpectedAfterWallClock: previousRunEnded });
    expect(result.messages).toHaveLength(1);
    expect(result.staleIgnored).toBe(1);
  });

  it('leaves ignored messages out of its answer and waits for a new one', async () => {
    const sandbox = await quickSandbox({ otp: { resendWindowMs: 0 } });
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000 });
    const since = new Date();
    await sendOtp(sandbox);
    const first = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: since });

    const next = inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: since, ignore: new Set([first.messages[0]!.id]) });
    await sendOtp(sandbox);
    const { messages, staleIgnored } = await next;

    expect(messages.map((sms) => sms.id)).not.toContain(first.messages[0]!.id);
    expect(messages).toHaveLength(1);
    expect(staleIgnored).toBe(0);
  });

  it('stamps a received SMS on the caller’s clock and keeps the sandbox’s own time beside it', async () => {
    const sandbox = await quickSandbox();
    const clock = { now: () => 42, wallNow: () => new Date(0) };
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 1_000, timeoutMs: 2_000, clock });
    const before = Date.now();
    await sendOtp(sandbox);
    const { messages } = await inbox.waitForSms({ number: NUMBER, signal: never, since: 0, sinceWallClock: new Date(before) });
    expect(messages[0]!.receivedAt).toBe(42);
    expect(messages[0]!.providerReceivedAt!.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('rejects a wait with the signal’s reason when the caller aborts it', async () => {
    const sandbox = await quickSandbox();
    const inbox = createSandboxInbox({ baseUrl: sandbox.url, pollIntervalMs: 5_000, timeoutMs: 2_000 });
    const controller = new AbortController();
    const waiting = inbox.waitForSms({ number: NUMBER, signal: controller.signal, since: 0, sinceWallClock: new Date() });
    const reason = new Error('delivery timeout');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe('the sandbox server', () => {
  it('listens on 127.0.0.1 and reports itself healthy', async () => {
    const sandbox = await quickSandbox();
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await api(sandbox, 'GET', '/_sandbox/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('answers 400 naming the field for a phone that is not E.164', async () => {
    const sandbox = await quickSandbox();
    expect(await sendOtp(sandbox, '5555550100')).toMatchObject({ status: 400, body: { error: 'invalid_phone' } });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const sandbox = await quickSandbox();
    const answer = await fetch(`${sandbox.url}/api/otp/send`, { method: 'POST', body: '{"phone":', headers: { connection: 'close' } });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'invalid_json' });
  });

  it('answers 413 for an oversized body', async () => {
    const sandbox = await quickSandbox();
    const answer = await api(sandbox, 'POST', '/api/otp/verify', { phone: NUMBER, code: 'x'.repeat(100_000) });
    expect(answer.status).toBe(413);
  });

  it('answers 404 for an unknown route', async () => {
    const sandbox = await quickSandbox();
    expect(await api(sandbox, 'GET', '/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('forgets sends, codes and messages on POST /_sandbox/reset', async () => {
    const sandbox = await quickSandbox();
    await sendOtp(sandbox);
    await sandbox.idle();
    await api(sandbox, 'POST', '/_sandbox/reset');
    expect(sandbox.groundTruth().sends).toEqual([]);
    expect((await api(sandbox, 'GET', `/api/inbox/messages?to=${encodeURIComponent(NUMBER)}`)).body.messages).toEqual([]);
    expect((await api(sandbox, 'POST', '/api/otp/verify', { phone: NUMBER, code: '123456' })).body).toEqual({ error: 'no_pending_code' });
  });

  it('leaves nothing that keeps a process alive after close(), even with a delivery and a long-poll pending', async () => {
    // In a process of its own, which must then end by itself: counting handles inside the test worker
    // races with everything else the worker holds.
    const script = `
      import { request } from 'node:http';
      import { startSandbox } from ${JSON.stringify(new URL('../lib/sandbox/index.js', import.meta.url).href)};
      const sandbox = await startSandbox({ carrier: { delayMedianMs: 60000, delayP95Ms: 90000 } });
      const call = (method, path, body) => new Promise((resolve) => {
        const req = request(sandbox.url + path, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
        req.on('error', resolve);
        req.end(body);
      });
      await call('POST', '/api/otp/send', JSON.stringify({ phone: ${JSON.stringify(NUMBER)} }));
      const longPoll = call('GET', '/api/inbox/messages?to=' + encodeURIComponent(${JSON.stringify(NUMBER)}) + '&waitMs=30000');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await sandbox.close();
      await longPoll;
      console.log('closed');
    `;
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
    expect(stdout).toBe('closed\n');
    // The pending delivery (a minute away) and the 30 s long-poll would each hold the process far longer.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('closes idempotently', async () => {
    const sandbox = await startSandbox();
    await Promise.all([sandbox.close(), sandbox.close()]);
    await expect(fetch(`${sandbox.url}/_sandbox/health`)).rejects.toThrow();
  });
});

describe('sandbox options', () => {
  it('fills every missing field from the defaults', () => {
    const options = resolveSandboxOptions({ carrier: { loss: 0.1 } });
    expect(options.carrier).toMatchObject({ loss: 0.1, delayMedianMs: 1_500 });
    expect(options.otp.codeLength).toBe(6);
  });

  it('keeps the default of a field given as undefined, as if it were left out', () => {
    const options = resolveSandboxOptions({ carrier: { loss: undefined }, otp: { ttlMs: undefined }, faults: { send: { error: undefined } } });
    expect(options.carrier.loss).toBe(resolveSandboxOptions().carrier.loss);
    expect(options.otp.ttlMs).toBe(resolveSandboxOptions().otp.ttlMs);
    expect(options.faults.send.error).toBe(0);
  });

  it('names each bad field', () => {
    expect(() => resolveSandboxOptions({ carrier: { loss: 2 }, otp: { codeLength: 3 } })).toThrow(/sandbox\.carrier\.loss[\s\S]*sandbox\.otp\.codeLength/);
  });

  it('refuses a p95 below the median', () => {
    expect(() => resolveSandboxOptions({ carrier: { delayMedianMs: 100, delayP95Ms: 50 } })).toThrow(/sandbox\.carrier\.delayP95Ms/);
  });
});
