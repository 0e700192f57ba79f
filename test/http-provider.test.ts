import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpTrigger, createHttpVerifier, type HttpStageOptions } from '../src/providers/http/provider.js';
import { stageError } from './support/stage-error.js';

const NUMBER = '+15555550100';
const CODE = '482913';

type Responder = (req: IncomingMessage, res: ServerResponse) => void;
let respond: Responder;
let received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  respond = (_req, res) => res.writeHead(200).end();
});

function answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
  respond = (_req, res) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
  };
}

const ctx = () => ({ number: NUMBER, signal: new AbortController().signal });
const verifyCtx = () => ({ ...ctx(), code: CODE });

function trigger(overrides: Partial<HttpStageOptions> = {}) {
  return createHttpTrigger({
    request: { method: 'POST', url: `${origin}/otp/send?api_key=s3cret`, json: { phone: '{{number}}' } },
    expect: { status: 200 },
    timeoutMs: 2000,
    ...overrides,
  });
}

function verifier(overrides: Partial<HttpStageOptions> = {}) {
  return createHttpVerifier({
    request: { method: 'POST', url: `${origin}/otp/verify`, json: { phone: '{{number}}', code: '{{code}}' } },
    expect: { status: 200, json: { valid: true } },
    timeoutMs: 2000,
    ...overrides,
  });
}

describe('http trigger', () => {
  it('sends the rendered request and resolves on the expected status', async () => {
    answer(200, { sent: true });
    await expect(trigger().send(ctx())).resolves.toEqual({});
    expect(received[0]).toMatchObject({ method: 'POST', url: '/otp/send?api_key=s3cret', body: JSON.stringify({ phone: NUMBER }) });
    expect(received[0]!.headers['content-type']).toBe('application/json');
  });

  it('accepts any 2xx when no status is expected', async () => {
    answer(204);
    await expect(trigger({ expect: {} }).send(ctx())).resolves.toEqual({});
  });

  it('resolves on a 202 whose JSON meets the expectation', async () => {
    answer(202, { data: { queued: true, channels: ['sms'] } });
    const send = trigger({ expect: { status: [200, 202], json: { 'data.queued': true, 'data.channels.0': 'sms' } } });
    await expect(send.send(ctx())).resolves.toEqual({});
  });

  it('classifies a 202 whose JSON misses the expectation as trigger_error', async () => {
    answer(202, { data: { queued: false } });
    const error = await stageError(trigger({ expect: { status: 202, json: { 'data.queued': true } } }).send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toContain('JSON field data.queued is not true');
  });

  it('classifies malformed JSON under a JSON expectation as trigger_error', async () => {
    answer(200, '{"queued": tru');
    const error = await stageError(trigger({ expect: { status: 200, json: { queued: true } } }).send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toContain('the body is not JSON');
  });

  it('classifies a 400 as trigger_rejected and keeps the Twilio error code', async () => {
    answer(400, { code: 60200, message: 'Invalid parameter: To', more_info: 'https://www.twilio.com/docs/errors/60200', status: 400 });
    const error = await stageError(trigger().send(ctx()));
    expect(error).toMatchObject({ reason: 'trigger_rejected', details: { status: 400, providerCode: '60200' } });
    expect(error.message).toBe(`POST ${origin}/otp/send answered 400 (provider code 60200); expected status 200: "Invalid parameter: To"`);
  });

  it.each([401, 403, 404, 422])('classifies a %i as trigger_rejected', async (status) => {
    answer(status, { error: 'nope' });
    expect((await stageError(trigger().send(ctx()))).reason).toBe('trigger_rejected');
  });

  it('classifies a 429 as trigger_rate_limited with Retry-After in seconds', async () => {
    answer(429, { code: 60203, message: 'Max send attempts reached' }, { 'retry-after': '30' });
    const error = await stageError(trigger().send(ctx()));
    expect(error).toMatchObject({ reason: 'trigger_rate_limited', details: { status: 429, providerCode: '60203', retryAfterSeconds: 30 } });
  });

  it('reads a Retry-After HTTP date against the injected wall clock', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    answer(429, undefined, { 'retry-after': 'Sun, 01 Mar 2026 12:01:30 GMT' });
    const clock = { now: () => 0, wallNow: () => now };
    const error = await stageError(trigger({ clock }).send(ctx()));
    expect(error.details.retryAfterSeconds).toBe(90);
  });

  it.each([500, 503])('classifies a %i as trigger_error', async (status) => {
    answer(status, '<html>upstream down</html>');
    const error = await stageError(trigger().send(ctx()));
    expect(error).toMatchObject({ reason: 'trigger_error', details: { status } });
  });

  it('classifies an unexpected redirect as trigger_error', async () => {
    answer(302, undefined, { location: '/login' });
    expect((await stageError(trigger().send(ctx()))).reason).toBe('trigger_error');
  });

  it('classifies a connection reset as trigger_error with its cause', async () => {
    respond = (req) => req.socket.destroy();
    const error = await stageError(trigger().send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toBe(`POST ${origin}/otp/send connection reset`);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('classifies a refused connection as trigger_error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const send = trigger({ request: { method: 'POST', url: `http://127.0.0.1:${port}/otp/send`, json: {} } });
    const error = await stageError(send.send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toContain('connection refused');
  });

  it('classifies a server slower than the timeout as trigger_error', async () => {
    respond = () => {}; // never answers
    const started = performance.now();
    const error = await stageError(trigger({ timeoutMs: 200 }).send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toContain('timed out after 200 ms');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("rejects with the caller's abort reason rather than classifying it", async () => {
    respond = () => {};
    const controller = new AbortController();
    const cancelled = new Error('run cancelled');
    const sending = trigger().send({ number: NUMBER, signal: controller.signal });
    setImmediate(() => controller.abort(cancelled));
    await expect(sending).rejects.toBe(cancelled);
  });

  it('stops reading a body over the size cap', async () => {
    answer(200, JSON.stringify({ queued: true, padding: 'x'.repeat(10_000) }));
    const error = await stageError(trigger({ maxBodyBytes: 1024, expect: { status: 200, json: { queued: true } } }).send(ctx()));
    expect(error.message).toContain('the body is too large to check the expected JSON');
  });
});

describe('http verifier', () => {
  it('resolves when the code is accepted', async () => {
    answer(200, { valid: true });
    await expect(verifier().verify(verifyCtx())).resolves.toBeUndefined();
    expect(JSON.parse(received[0]!.body)).toEqual({ phone: NUMBER, code: CODE });
  });

  it('classifies a 200 that says the code is not valid as code_rejected', async () => {
    answer(200, { valid: false });
    const error = await stageError(verifier().verify(verifyCtx()));
    expect(error).toMatchObject({ reason: 'code_rejected', details: { status: 200 } });
  });

  it.each([400, 401, 403, 404, 409, 422])('classifies a %i as code_rejected', async (status) => {
    answer(status, { error: 'invalid_code' });
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('code_rejected');
  });

  it('classifies a 410 as code_expired', async () => {
    answer(410);
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('code_expired');
  });

  it.each([
    [400, { error: 'code_expired' }],
    [422, { errors: [{ message: 'The code has expired' }] }],
    [200, { valid: false, status: 'expired' }],
    [401, 'OTP expired'],
  ])('classifies a %i refusal that says expired (%j) as code_expired', async (status, body) => {
    answer(status, body);
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('code_expired');
  });

  it('does not read "expired" outside the error fields', async () => {
    answer(400, { error: 'invalid_code', hint: 'previous codes expired', expires_at: '2026-01-01T00:00:00Z' });
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('code_rejected');
  });

  it('classifies a 429 with Twilio 60202 as verify_rate_limited', async () => {
    answer(429, { code: 60202, message: 'Max check attempts reached', status: 429 }, { 'retry-after': '600' });
    const error = await stageError(verifier().verify(verifyCtx()));
    expect(error).toMatchObject({ reason: 'verify_rate_limited', details: { providerCode: '60202', retryAfterSeconds: 600 } });
  });

  it.each([500, 503])('classifies a %i as verify_error', async (status) => {
    answer(status);
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('verify_error');
  });

  it('classifies a connection reset as verify_error', async () => {
    respond = (req) => req.socket.destroy();
    expect((await stageError(verifier().verify(verifyCtx()))).reason).toBe('verify_error');
  });

  it('classifies a timeout as verify_error', async () => {
    respond = () => {};
    const error = await stageError(verifier({ timeoutMs: 200 }).verify(verifyCtx()));
    expect(error.reason).toBe('verify_error');
    expect(error.message).toContain('timed out after 200 ms');
  });

  it('never puts the code, the number or the query string in its message', async () => {
    answer(400, { message: `Code ${CODE} for ${NUMBER} (national (555) 555-0100) is wrong` });
    const echoing = verifier({
      request: { method: 'POST', url: `${origin}/users/{{number}}/verify/{{code}}?token=s3cret`, json: { code: '{{code}}' } },
    });
    const error = await stageError(echoing.verify(verifyCtx()));
    for (const secret of [CODE, NUMBER, '15555550100', '%2B15555550100', '555-0100', 's3cret']) {
      expect(error.message).not.toContain(secret);
    }
    expect(error.message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/users\/••••\/verify\/•••• answered 400/);
  });
});

describe('http verifier error details', () => {
  it('does not take an echoed OTP code for a provider code', async () => {
    answer(200, { code: CODE, valid: false });
    const error = await stageError(verifier().verify(verifyCtx()));
    expect(error.details.providerCode).toBeUndefined();
  });

  it("quotes the app's message rather than its status word", async () => {
    answer(400, { status: 'error', message: 'Wrong code, 4 attempts left' });
    const error = await stageError(verifier().verify(verifyCtx()));
    expect(error.message).toMatch(/: "Wrong code, 4 attempts left"$/);
  });
});
