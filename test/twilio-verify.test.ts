import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import type { FailureReason } from '../src/core/outcome.js';
import { systemClock, type Clock } from '../src/core/providers.js';
import { createTwilioVerifyTrigger, createTwilioVerifyVerifier, type TwilioVerifyOptions } from '../src/providers/twilio/verify.js';
import { checkSpec, FakeInbox } from './support/fake-providers.js';
import { specExample, startFakeTwilio, twilioError, twilioSdk, type FakeTwilio } from './support/fake-twilio.js';
import { stageError } from './support/stage-error.js';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'auth-token-never-printed';
const SERVICE_SID = `VA${'b'.repeat(32)}`;
const NUMBER = '+15017122661';
const CODE = '482913';
const WALL = new Date('2026-03-10T12:00:00Z');
const clock: Clock = { now: () => 0, wallNow: () => WALL };

let fake: FakeTwilio;
beforeEach(async () => {
  fake = await startFakeTwilio({ username: ACCOUNT_SID, password: AUTH_TOKEN });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

function options(overrides: Partial<TwilioVerifyOptions> = {}): TwilioVerifyOptions {
  return { credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, serviceSid: SERVICE_SID, baseUrl: fake.url, timeoutMs: 2_000, clock, ...overrides };
}

const ctx = () => ({ number: NUMBER, signal: new AbortController().signal });

describe('the fake Twilio', () => {
  it('records a request the spec does not allow as a violation, and refuses it', async () => {
    const response = await fetch(`${fake.url}/v2/Services/${SERVICE_SID}/Verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` },
      body: new URLSearchParams({ To: NUMBER, Chanel: 'sms' }).toString(),
    });
    expect(response.status).toBe(400);
    expect(fake.violations).toEqual([expect.stringMatching(/CreateVerification: form must have required property 'Channel'.*\(Chanel\)/)]);
    fake.violations.length = 0;
  });
});

describe('twilio-verify trigger', () => {
  it('creates a verification exactly as the official SDK does and returns its sid', async () => {
    const result = await createTwilioVerifyTrigger(options()).send(ctx());
    await twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN).verify.v2.services(SERVICE_SID).verifications.create({ to: NUMBER, channel: 'sms' });

    const [ours, sdk] = fake.requests;
    expect(ours).toMatchObject({ operationId: 'CreateVerification', form: [['Channel', 'sms'], ['To', NUMBER]] });
    expect(ours).toEqual(sdk);
    expect(result.reference).toBe(specExample('CreateVerification').sid);
  });

  it('sends the configured locale as the SDK does', async () => {
    await createTwilioVerifyTrigger(options({ locale: 'pt-BR' })).send(ctx());
    await twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN).verify.v2.services(SERVICE_SID).verifications.create({ to: NUMBER, channel: 'sms', locale: 'pt-BR' });
    expect(fake.requests[0]).toEqual(fake.requests[1]);
  });

  it('authenticates with an API key and its secret when given one', async () => {
    await fake.close();
    const apiKey = { sid: `SK${'c'.repeat(32)}`, secret: 'api-key-secret' };
    fake = await startFakeTwilio({ username: apiKey.sid, password: apiKey.secret });
    await createTwilioVerifyTrigger(options({ credentials: { accountSid: ACCOUNT_SID, apiKey } })).send(ctx());
    expect(fake.requests[0]?.authorization).toBe(`Basic ${Buffer.from(`${apiKey.sid}:${apiKey.secret}`).toString('base64')}`);
  });

  it.each<[number, number, FailureReason]>([
    [429, 60203, 'trigger_rate_limited'], // max send attempts to this number
    [429, 60212, 'trigger_rate_limited'], // too many concurrent requests for the number
    [429, 20429, 'trigger_rate_limited'], // account concurrency
    [400, 60200, 'trigger_rejected'], // invalid parameter
    [400, 60205, 'trigger_rejected'], // SMS is not supported by landline
    [400, 60223, 'trigger_rejected'], // channel disabled in the Service
    [403, 60410, 'trigger_rejected'], // Fraud Guard block
    [403, 60605, 'trigger_rejected'], // Geo Permissions
    [401, 20003, 'trigger_rejected'], // authentication
    [404, 20404, 'trigger_rejected'], // no such Service
    [500, 20500, 'trigger_error'],
    [503, 20503, 'trigger_error'],
  ])('a %i with Twilio error %i is %s, keeping the code', async (status, code, reason) => {
    fake.on('CreateVerification', () => ({ status, body: twilioError(code, 'refused', status) }));
    const error = await stageError(createTwilioVerifyTrigger(options()).send(ctx()));
    expect(error).toMatchObject({ reason, details: { status, providerCode: String(code) } });
    expect(error.message).toContain(`Twilio error ${code}`);
  });

  it('a 429 keeps the Retry-After Twilio asked for', async () => {
    fake.on('CreateVerification', () => ({ status: 429, body: twilioError(20429, 'Too many requests', 429), headers: { 'retry-after': '7' } }));
    const error = await stageError(createTwilioVerifyTrigger(options()).send(ctx()));
    expect(error.details.retryAfterSeconds).toBe(7);
  });

  it('masks the number Twilio quotes in its message, and never shows the credentials', async () => {
    fake.on('CreateVerification', () => ({ status: 400, body: twilioError(60200, `Invalid parameter To: ${NUMBER}`, 400) }));
    const error = await stageError(createTwilioVerifyTrigger(options()).send(ctx()));
    const printed = `${error.message} ${String(error.cause)}`;
    expect(printed).not.toContain('7122661');
    expect(printed).not.toContain(AUTH_TOKEN);
    expect(error.message).toContain('+1501•••2661');
  });

  it('a 201 without a verification sid is trigger_error', async () => {
    fake.on('CreateVerification', () => ({ status: 201, body: { status: 'pending' } }));
    const error = await stageError(createTwilioVerifyTrigger(options()).send(ctx()));
    fake.violations.length = 0; // the answer breaks the spec on purpose
    expect(error.reason).toBe('trigger_error');
  });

  it('an unreachable Twilio is trigger_error', async () => {
    const closed = fake.url;
    await fake.close();
    fake = await startFakeTwilio({ username: ACCOUNT_SID, password: AUTH_TOKEN });
    const error = await stageError(createTwilioVerifyTrigger(options({ baseUrl: closed })).send(ctx()));
    expect(error).toMatchObject({ reason: 'trigger_error', message: expect.stringContaining('connection refused') });
  });
});

describe('twilio-verify release', () => {
  const VERIFICATION_SID = String(specExample('CreateVerification').sid);

  it('cancels the verification exactly as the official SDK does', async () => {
    const sent = await createTwilioVerifyTrigger(options()).send(ctx());
    await sent.release?.(new AbortController().signal);
    await twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN).verify.v2.services(SERVICE_SID).verifications(VERIFICATION_SID).update({ status: 'canceled' });

    const [, ours, sdk] = fake.requests;
    expect(ours).toMatchObject({ operationId: 'UpdateVerification', pathParams: { ServiceSid: SERVICE_SID, Sid: VERIFICATION_SID }, form: [['Status', 'canceled']] });
    expect(ours).toEqual(sdk);
  });

  it('rejects with what Twilio answered when it will not cancel', async () => {
    fake.on('UpdateVerification', () => ({ status: 404, body: twilioError(20404, 'The requested resource was not found', 404) }));
    const sent = await createTwilioVerifyTrigger(options()).send(ctx());

    await expect(sent.release?.(new AbortController().signal)).rejects.toThrow(`twilio-verify cancel of verification ${VERIFICATION_SID}: answered 404 (Twilio error 20404`);
  });

  it('a run whose SMS never arrives ends with its verification canceled at Twilio', async () => {
    const verify = options({ clock: systemClock });
    const spec = checkSpec({ number: NUMBER, timeouts: { deliveryMs: 200, totalMs: 5_000, stepMs: 2_000 } });
    const providers = { trigger: createTwilioVerifyTrigger(verify), inbox: new FakeInbox(systemClock), verifier: createTwilioVerifyVerifier(verify) };

    const record = await runCheck(spec, providers, { leases: new NumberLeases() });

    expect(record.reason).toBe('sms_not_received');
    expect(fake.requests.map((r) => r.operationId)).toEqual(['CreateVerification', 'UpdateVerification']);
    expect(fake.requests[1]).toMatchObject({ pathParams: { Sid: VERIFICATION_SID }, form: [['Status', 'canceled']] });
  });
});

describe('twilio-verify verifier', () => {
  const check = (status: string) => () => ({ status: 200, body: { ...specExample('CreateVerificationCheck'), status, valid: status === 'approved' } });

  it('checks the code exactly as the official SDK does, and an approved check resolves', async () => {
    await createTwilioVerifyVerifier(options()).verify({ ...ctx(), code: CODE });
    await twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN).verify.v2.services(SERVICE_SID).verificationChecks.create({ to: NUMBER, code: CODE });

    const [ours, sdk] = fake.requests;
    expect(ours).toMatchObject({ operationId: 'CreateVerificationCheck', form: [['Code', CODE], ['To', NUMBER]] });
    expect(ours).toEqual(sdk);
  });

  it('a 200 with status pending (a wrong code) is code_rejected', async () => {
    fake.on('CreateVerificationCheck', check('pending'));
    const error = await stageError(createTwilioVerifyVerifier(options()).verify({ ...ctx(), code: CODE }));
    expect(error).toMatchObject({ reason: 'code_rejected', details: { status: 200 } });
  });

  it.each<[string, FailureReason]>([
    ['expired', 'code_expired'],
    ['max_attempts_reached', 'verify_rate_limited'],
    ['canceled', 'code_rejected'],
    ['something-new', 'verify_error'],
  ])('a 200 with status %s is %s', async (status, reason) => {
    fake.on('CreateVerificationCheck', check(status));
    const error = await stageError(createTwilioVerifyVerifier(options()).verify({ ...ctx(), code: CODE }));
    expect(error.reason).toBe(reason);
  });

  it.each<[number, number, FailureReason]>([
    [404, 20404, 'code_expired'], // the verification is gone: expired (or approved, or locked out)
    [429, 60202, 'verify_rate_limited'], // max check attempts
    [429, 20429, 'verify_rate_limited'],
    [400, 60200, 'code_rejected'], // the code is not 4–10 characters
    [500, 20500, 'verify_error'],
    [503, 20503, 'verify_error'],
  ])('a %i with Twilio error %i is %s, keeping the code', async (status, code, reason) => {
    fake.on('CreateVerificationCheck', () => ({ status, body: twilioError(code, 'refused', status) }));
    const error = await stageError(createTwilioVerifyVerifier(options()).verify({ ...ctx(), code: CODE }));
    expect(error).toMatchObject({ reason, details: { status, providerCode: String(code) } });
  });

  it('never repeats the submitted code in its error', async () => {
    fake.on('CreateVerificationCheck', () => ({ status: 400, body: twilioError(60200, `Invalid parameter Code: ${CODE}`, 400) }));
    const error = await stageError(createTwilioVerifyVerifier(options()).verify({ ...ctx(), code: CODE }));
    expect(`${error.message} ${String(error.cause)}`).not.toContain(CODE);
  });
});
