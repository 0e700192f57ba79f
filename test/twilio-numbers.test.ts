import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NumberProvisioningError } from '../src/providers/number-errors.js';
import { createTwilioNumbers } from '../src/providers/twilio/numbers.js';
import { runCli } from './support/cli.js';
import { specExample, startFakeTwilio, twilioError, twilioSdk, type FakeTwilio } from './support/fake-twilio.js';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'auth-token-never-printed';
const NUMBER = '+15005550006';
const NUMBER_SID = `PN${'d'.repeat(32)}`;
const WEBHOOK = 'https://probe.example.com/webhooks/twilio';

let fake: FakeTwilio;
beforeEach(async () => {
  fake = await startFakeTwilio({ username: ACCOUNT_SID, password: AUTH_TOKEN });
  // The spec's examples, with this account's SIDs and numbers.
  const incoming = (fields: Record<string, unknown> = {}) => ({
    ...(specExample('CreateIncomingPhoneNumber')),
    sid: NUMBER_SID, account_sid: ACCOUNT_SID, phone_number: NUMBER, friendly_name: '(500) 555-0006', ...fields,
  });
  fake.on('ListIncomingPhoneNumber', () => ({ status: 200, body: { ...specExample('ListIncomingPhoneNumber'), incoming_phone_numbers: [incoming({ friendly_name: 'staging' }), incoming({ sid: `PN${'e'.repeat(32)}`, phone_number: '+15005550007', friendly_name: '(500) 555-0007' })], next_page_uri: null } }));
  fake.on('ListAvailablePhoneNumberLocal', () => ({ status: 200, body: { ...specExample('ListAvailablePhoneNumberLocal'), available_phone_numbers: [{ ...(specExample('ListAvailablePhoneNumberLocal').available_phone_numbers as object[])[0], phone_number: NUMBER }] } }));
  fake.on('CreateIncomingPhoneNumber', (req) => ({ status: 201, body: incoming({ friendly_name: Object.fromEntries(req.form).FriendlyName ?? '(500) 555-0006' }) }));
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

const signal = () => new AbortController().signal;
const provisioner = () => createTwilioNumbers({ credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, baseUrl: fake.url, timeoutMs: 2_000 });
const sdk = () => twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN);

describe('twilio numbers', () => {
  it('lists the account\'s numbers exactly as the official SDK does', async () => {
    const numbers = await provisioner().list(signal());
    await sdk().incomingPhoneNumbers.page({ pageSize: 1000 });
    expect(fake.requests[0]).toEqual(fake.requests[1]);
    expect(numbers).toEqual([
      { id: NUMBER_SID, number: NUMBER, provider: 'twilio', label: 'staging' },
      { id: `PN${'e'.repeat(32)}`, number: '+15005550007', provider: 'twilio' }, // Twilio's default friendly name is the number: no label
    ]);
  });

  it('provisions by searching SMS-capable local numbers and buying the first, as the SDK does', async () => {
    const number = await provisioner().provision({ country: 'us', label: 'staging', smsWebhookUrl: WEBHOOK }, signal());
    await sdk().availablePhoneNumbers('US').local.page({ smsEnabled: true, pageSize: 1 });
    await sdk().incomingPhoneNumbers.create({ phoneNumber: NUMBER, friendlyName: 'staging', smsUrl: WEBHOOK, smsMethod: 'POST' });

    const [search, buy, sdkSearch, sdkBuy] = fake.requests;
    expect(search).toEqual(sdkSearch);
    expect(buy).toEqual(sdkBuy);
    expect(buy?.form).toEqual([['FriendlyName', 'staging'], ['PhoneNumber', NUMBER], ['SmsMethod', 'POST'], ['SmsUrl', WEBHOOK]]);
    expect(number).toEqual({ id: NUMBER_SID, number: NUMBER, provider: 'twilio', country: 'US', label: 'staging' });
  });

  it('releases a number exactly as the SDK does', async () => {
    await provisioner().release(NUMBER_SID, signal());
    await sdk().incomingPhoneNumbers(NUMBER_SID).remove();
    expect(fake.requests[0]).toMatchObject({ operationId: 'DeleteIncomingPhoneNumber', method: 'DELETE' });
    expect(fake.requests[0]).toEqual(fake.requests[1]);
  });

  it('says so when no number is available in the country', async () => {
    fake.on('ListAvailablePhoneNumberLocal', () => ({ status: 200, body: { ...specExample('ListAvailablePhoneNumberLocal'), available_phone_numbers: [] } }));
    await expect(provisioner().provision({ country: 'GB' }, signal())).rejects.toThrow('Twilio has no SMS-capable local number available in GB');
  });

  it('a refused purchase names the step and keeps Twilio\'s code, with the number masked', async () => {
    fake.on('CreateIncomingPhoneNumber', () => ({ status: 400, body: twilioError(21422, `Phone number ${NUMBER} is not available`, 400) }));
    const error = await provisioner().provision({ country: 'US' }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NumberProvisioningError);
    expect(error).toMatchObject({ details: { status: 400, providerCode: '21422' } });
    expect((error as Error).message).toMatch(/^Twilio buy \+1500•••0006 answered 400 \(Twilio error 21422: Phone number •••• is not available\)$/);
  });

  it('refuses to release an id that is not a phone number SID, before calling Twilio', async () => {
    await expect(provisioner().release('+15005550006', signal())).rejects.toThrow(/is not a Twilio phone number SID/);
    expect(fake.requests).toEqual([]);
  });
});

describe('otp-canary numbers --provider twilio', () => {
  const env = () => ({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_BASE_URL: fake.url });

  it('lists the numbers masked', async () => {
    const result = await runCli(['numbers', 'list', '--provider', 'twilio'], { env: env() });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${NUMBER_SID}  +1500•••0006  staging\nPN${'e'.repeat(32)}  +1500•••0007\n`);
  });

  it('prints numbers in full with --show-numbers', async () => {
    const result = await runCli(['numbers', 'list', '--provider', 'twilio', '--show-numbers'], { env: env() });
    expect(result.stdout).toContain(`${NUMBER_SID}  ${NUMBER}  staging`);
  });

  it('provisions a number for an environment with its SMS webhook', async () => {
    const result = await runCli(['numbers', 'provision', '--provider', 'twilio', '--country', 'US', '--label', 'staging', '--sms-webhook', WEBHOOK], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: `provisioned ${NUMBER_SID}  +1500•••0006  US  staging\n` });
    expect(Object.fromEntries(fake.requests.at(-1)!.form)).toMatchObject({ FriendlyName: 'staging', SmsUrl: WEBHOOK });
  });

  it('releases a number by its id', async () => {
    const result = await runCli(['numbers', 'release', '--provider', 'twilio', '--id', NUMBER_SID], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: `released ${NUMBER_SID}\n` });
    expect(fake.requests.at(-1)).toMatchObject({ operationId: 'DeleteIncomingPhoneNumber', pathParams: { Sid: NUMBER_SID } });
  });

  it('exits 2 naming the missing environment variable', async () => {
    const result = await runCli(['numbers', 'list', '--provider', 'twilio'], { env: { TWILIO_ACCOUNT_SID: ACCOUNT_SID } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('twilio numbers need the environment variable TWILIO_AUTH_TOKEN');
  });

  it('exits 1 with Twilio\'s refusal, never printing the credentials', async () => {
    const result = await runCli(['numbers', 'list', '--provider', 'twilio'], { env: { ...env(), TWILIO_AUTH_TOKEN: 'wrong-token' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('otp-canary: numbers list: Twilio list numbers answered 401 (Twilio error 20003: Authenticate)\n');
  });

  it('exits 2 for a provider that cannot provision numbers', async () => {
    const result = await runCli(['numbers', 'list', '--provider', 'nope'], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--provider "nope" cannot provision numbers \(one of: .*twilio/);
  });
});
