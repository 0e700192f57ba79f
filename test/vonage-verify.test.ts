// Contract tests of the vonage-verify trigger and verifier against a loopback fake of Vonage Verify v2.
// Vonage's Verify v2 OpenAPI document could not be kept with the project (no licence), so requests are
// validated against JSON Schemas written here from its documented fields (VerificationRequest and
// CheckCodeRequest). The official SDK (@vonage/verify2), pointed at the same fake, is the oracle for
// the requests themselves: method, path, query, JSON body, content type and Basic auth header.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from '@vonage/auth';
import { AuthenticationType } from '@vonage/server-client';
import { Channels, Verify2 } from '@vonage/verify2';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FailureReason } from '../src/core/outcome.js';
import { createVonageVerify, type VonageVerify, type VonageVerifyOptions } from '../src/providers/vonage/verify.js';
import { stageError } from './support/stage-error.js';

const NUMBER = '+447700900001';
const API_KEY = 'abcd1234';
const API_SECRET = 'Sup3rS3cretValue';
const CODE = '482913';
const REQUEST_ID = 'c11236f4-00bf-4b89-84ba-88b25df97315';

/** `VerificationRequest`, restricted to the SMS channel (the only one otp-canary sends). */
const verificationRequestSchema = {
  type: 'object',
  required: ['brand', 'workflow'],
  additionalProperties: false,
  properties: {
    brand: { type: 'string', minLength: 1, maxLength: 18, pattern: '^[^/{}:$]*$' },
    workflow: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        type: 'object',
        required: ['channel', 'to'],
        additionalProperties: false,
        properties: {
          channel: { const: 'sms' },
          to: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[1-9][0-9]+$' },
          from: { type: 'string', maxLength: 15 },
          entity_id: { type: 'string' },
          content_id: { type: 'string' },
          app_hash: { type: 'string', minLength: 11, maxLength: 11 },
        },
      },
    },
    locale: { type: 'string' },
    channel_timeout: { type: 'integer', minimum: 15, maximum: 900 },
    client_ref: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-zA-Z0-9]*$' },
    code_length: { enum: [4, 5, 6, 7, 8, 9, 10] },
    code: { type: 'string', pattern: '^[a-zA-Z0-9]{4,10}$' },
    template_id: { type: 'string' },
    fraud_check: { type: 'boolean' },
  },
};
const checkCodeRequestSchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', pattern: '^[a-zA-Z0-9]{4,10}$' } },
};
const ajv = new Ajv({ allErrors: true });
const validStart = ajv.compile(verificationRequestSchema);
const validCheck = ajv.compile(checkCodeRequestSchema);

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly json: unknown;
}

interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
}

/** Vonage's documented answers; each test overrides the one it is about. */
const completed = (id = REQUEST_ID): Answer => ({ status: 200, json: { request_id: id, status: 'completed' } });
const started = (id = REQUEST_ID): Answer => ({ status: 202, json: { request_id: id } });
const problem = (status: number, code: string, title: string, detail: string, extra: object = {}): Answer => ({
  status,
  json: { type: `https://developer.vonage.com/en/api-errors/verify-v2#${code}`, title, detail, instance: 'bf0ca0bf927b3b52e3cb03217e1a1ddf', ...extra },
  headers: { 'content-type': 'application/problem+json' },
});

let server: Server;
let baseUrl: string;
let requests: Recorded[];
let answer: (req: Recorded) => Answer;

beforeEach(async () => {
  requests = [];
  answer = (req) => (req.path === '/v2/verify' ? started() : completed());
  server = createServer((req, res) => {
    void readJson(req).then((json) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: Recorded = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        json,
      };
      requests.push(recorded);
      const { status, json: body, headers } = answer(recorded);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function vonage(overrides: Partial<VonageVerifyOptions> = {}): VonageVerify {
  return createVonageVerify({ apiKey: API_KEY, apiSecret: API_SECRET, brand: 'Acme', baseUrl, timeoutMs: 2000, ...overrides });
}

const ctx = (number = NUMBER) => ({ number, signal: new AbortController().signal });

/** Verify2 signs with a JWT by default; Verify v2 accepts the API key and secret over Basic auth too. */
class BasicAuthVerify2 extends Verify2 {
  protected override authType = AuthenticationType.BASIC;
}

function officialSdk(): BasicAuthVerify2 {
  return new BasicAuthVerify2(new Auth({ apiKey: API_KEY, apiSecret: API_SECRET }), { apiHost: baseUrl });
}

describe('vonage-verify requests match the official SDK', () => {
  it('starts a verification exactly as Verify2.newRequest does, with a body valid against VerificationRequest', async () => {
    const options = { brand: 'Acme', locale: 'en-gb', codeLength: 6, channelTimeoutSeconds: 300 };
    await vonage(options).trigger.send(ctx());
    await officialSdk().newRequest({
      brand: 'Acme',
      workflow: [{ channel: Channels.SMS, to: NUMBER.slice(1) }],
      locale: 'en-gb',
      codeLength: 6,
      channelTimeout: 300,
    });

    const [ours, sdk] = requests;
    expect(validStart(ours!.json), JSON.stringify(validStart.errors)).toBe(true);
    expect(ours).toEqual(sdk);
    expect(ours).toMatchObject({ method: 'POST', path: '/v2/verify', query: '', contentType: 'application/json' });
    expect(ours!.json).toEqual({ brand: 'Acme', workflow: [{ channel: 'sms', to: '447700900001' }], locale: 'en-gb', code_length: 6, channel_timeout: 300 });
  });

  it('leaves Vonage defaults to Vonage: only brand and workflow when nothing else is configured', async () => {
    await vonage().trigger.send(ctx());
    expect(requests[0]!.json).toEqual({ brand: 'Acme', workflow: [{ channel: 'sms', to: '447700900001' }] });
    expect(validStart(requests[0]!.json)).toBe(true);
  });

  it('checks a code exactly as Verify2.checkCode does, with a body valid against CheckCodeRequest', async () => {
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    await verifier.verify({ ...ctx(), code: CODE });
    await officialSdk().checkCode(REQUEST_ID, CODE);

    const [, ours, sdk] = requests;
    expect(validCheck(ours!.json), JSON.stringify(validCheck.errors)).toBe(true);
    expect(ours).toEqual(sdk);
    expect(ours).toMatchObject({ method: 'POST', path: `/v2/verify/${REQUEST_ID}`, json: { code: CODE } });
  });

  it('authenticates with HTTP Basic: the API key and secret, base64-encoded', async () => {
    await vonage().trigger.send(ctx());
    expect(requests[0]!.authorization).toBe(`Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`);
  });
});

describe('the verifier checks the request its own trigger started', () => {
  it('returns the request id as the trigger reference', async () => {
    await expect(vonage().trigger.send(ctx())).resolves.toEqual({ reference: REQUEST_ID });
  });

  it('submits the code to the latest request started for the number', async () => {
    let next = 0;
    answer = (req) => (req.path === '/v2/verify' ? started(`request-${++next}`) : completed());
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    await trigger.send(ctx());
    await verifier.verify({ ...ctx(), code: CODE });
    expect(requests.at(-1)!.path).toBe('/v2/verify/request-2');
  });

  it('keeps one request per number', async () => {
    answer = (req) => (req.path === '/v2/verify' ? started(`request-for-${(req.json as { workflow: { to: string }[] }).workflow[0]!.to}`) : completed());
    const { trigger, verifier } = vonage();
    await trigger.send(ctx('+447700900001'));
    await trigger.send(ctx('+447700900002'));
    await verifier.verify({ ...ctx('+447700900001'), code: CODE });
    expect(requests.at(-1)!.path).toBe('/v2/verify/request-for-447700900001');
  });

  it('sends a second submission of a verified code to Vonage, which refuses it (single use)', async () => {
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    await verifier.verify({ ...ctx(), code: CODE });
    answer = () => problem(404, 'request-not-found', 'Not Found', `Request '${REQUEST_ID}' was not found or it has been verified already.`);
    const error = await stageError(verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe('code_expired');
    expect(requests.at(-1)!.path).toBe(`/v2/verify/${REQUEST_ID}`);
  });

  it('refuses to verify with internal_error when no request was started for the number', async () => {
    const error = await stageError(vonage().verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe('internal_error');
    expect(error.message).toContain('+4477•••0001');
    expect(requests).toHaveLength(0);
  });

  it('does not share requests between two checks built separately', async () => {
    await vonage().trigger.send(ctx());
    const error = await stageError(vonage().verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe('internal_error');
  });
});

describe('start-verification answers map onto trigger failure reasons', () => {
  const cases: [string, Answer, FailureReason, string][] = [
    [
      '409 concurrent verification to the number',
      problem(409, 'concurrent', 'Conflict', 'Concurrent verifications to the same number are not allowed.', { request_id: 'f8386e0f-6873-4617-aa99-19016217b2aa' }),
      'trigger_rate_limited',
      'concurrent',
    ],
    ['429 rate limit hit', { ...problem(429, 'throttled', 'Rate Limit Hit', 'Please wait, then retry your request'), headers: { 'content-type': 'application/problem+json', 'retry-after': '30' } }, 'trigger_rate_limited', 'throttled'],
    ['422 invalid parameters', problem(422, 'invalid-params', 'Invalid params', 'The value of one or more parameters is invalid.', { invalid_parameters: [{ name: 'to', reason: 'Invalid phone number' }] }), 'trigger_rejected', 'invalid-params'],
    ['401 bad credentials', problem(401, 'unauthorized', 'Unauthorized', 'You did not provide correct credentials'), 'trigger_rejected', 'unauthorized'],
    ['402 low balance', problem(402, 'low-balance', 'Low balance', 'This request could not be performed due to your account balance being low.'), 'trigger_rejected', 'low-balance'],
    ['500 internal error', problem(500, 'internal-error', 'Internal error', 'There was an error processing your request in the Platform.'), 'trigger_error', 'internal-error'],
  ];
  it.each(cases)('%s → %s', async (_name, refusal, reason, providerCode) => {
    answer = () => refusal;
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.reason).toBe(reason);
    expect(error.details).toMatchObject({ status: refusal.status, providerCode });
  });

  it('keeps the Retry-After of a 429', async () => {
    answer = () => ({ ...problem(429, 'throttled', 'Rate Limit Hit', 'Please wait'), headers: { 'retry-after': '30' } });
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.details.retryAfterSeconds).toBe(30);
  });

  it('names the invalid parameters of a 422 in the message', async () => {
    answer = () => problem(422, 'invalid-params', 'Invalid params', 'The value of one or more parameters is invalid.', { invalid_parameters: [{ name: 'brand', reason: 'Brand is required' }] });
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.message).toBe(`POST ${baseUrl}/v2/verify answered 422 (invalid-params): "Invalid params: The value of one or more parameters is invalid." (invalid: brand)`);
  });

  it('takes the provider code from the older developer.nexmo.com type URIs too', async () => {
    answer = () => ({ status: 409, json: { type: 'https://developer.nexmo.com/api-errors#conflict', title: 'Conflict', detail: 'Concurrent verifications', instance: 'x' } });
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.details.providerCode).toBe('conflict');
  });

  it('is trigger_error when a 202 carries no request_id', async () => {
    answer = () => ({ status: 202, json: {} });
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toContain('without a request_id');
  });

  it('is trigger_error when Vonage cannot be reached', async () => {
    const error = await stageError(vonage({ baseUrl: 'http://127.0.0.1:1' }).trigger.send(ctx()));
    expect(error.reason).toBe('trigger_error');
    expect(error.message).toBe('POST http://127.0.0.1:1/v2/verify connection refused');
  });

  it('never prints the number, the API key or the secret, even when Vonage echoes them', async () => {
    answer = () => problem(422, 'invalid-params', 'Invalid params', `Number 447700900001 blocked for key ${API_KEY}`);
    const error = await stageError(vonage().trigger.send(ctx()));
    expect(error.message).not.toMatch(/447700900001|Sup3rS3cretValue/);
    expect(error.message).not.toContain(Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64'));
  });
});

describe('check-code answers map onto verify failure reasons', () => {
  const cases: [string, Answer, FailureReason, string][] = [
    ['400 invalid code', problem(400, 'invalid-code', 'Invalid Code', 'The code you provided does not match the expected value.'), 'code_rejected', 'invalid-code'],
    ['404 request not found (over, or already verified)', problem(404, 'request-not-found', 'Not Found', 'The request ID provided could not be found.'), 'code_expired', 'request-not-found'],
    [
      '410 too many wrong codes, workflow terminated',
      { status: 410, json: { title: 'Invalid Code', detail: 'An incorrect code has been provided too many times. Workflow terminated.', instance: 'f79d7a15', type: 'https://developer.nexmo.com/api-errors#gone' } },
      'verify_rate_limited',
      'gone',
    ],
    ['429 rate limit hit', problem(429, 'throttled', 'Rate Limit Hit', 'Please wait, then retry your request'), 'verify_rate_limited', 'throttled'],
    ['409 the workflow step takes no code', problem(409, 'no-code', 'Conflict', 'The current Verify workflow step does not support a code.'), 'verify_error', 'no-code'],
    ['500 internal error', problem(500, 'internal-error', 'Internal error', 'There was an error processing your request in the Platform.'), 'verify_error', 'internal-error'],
  ];
  it.each(cases)('%s → %s', async (_name, refusal, reason, providerCode) => {
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    answer = () => refusal;
    const error = await stageError(verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe(reason);
    expect(error.details).toMatchObject({ status: refusal.status, providerCode });
  });

  it('is verify_error when a 200 does not say completed', async () => {
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    answer = () => ({ status: 200, json: { request_id: REQUEST_ID, status: 'failed' } });
    const error = await stageError(verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe('verify_error');
    expect(error.message).toContain('status "failed", not "completed"');
  });

  it('is verify_error when the check times out', async () => {
    const { trigger, verifier } = vonage({ timeoutMs: 200 });
    await trigger.send(ctx());
    server.removeAllListeners('request');
    server.on('request', () => undefined);
    const error = await stageError(verifier.verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe('verify_error');
    expect(error.message).toBe(`POST ${baseUrl}/v2/verify/${REQUEST_ID} timed out after 200 ms`);
  });

  it('never prints the code, even when Vonage echoes it', async () => {
    const { trigger, verifier } = vonage();
    await trigger.send(ctx());
    answer = () => problem(400, 'invalid-code', 'Invalid Code', `The code ${CODE} does not match the expected value.`);
    const error = await stageError(verifier.verify({ ...ctx(), code: CODE }));
    expect(error.message).not.toContain(CODE);
  });
});
