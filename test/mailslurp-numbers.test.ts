// MailSlurp phone numbers through the provisioner registry: list, rent and release send the official
// SDK's requests, and refusals are NumberProvisioningErrors that say why.

import { MailSlurp } from 'mailslurp-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NumberProvisioner } from '../src/core/numbers.js';
import { EnvironmentVariableError, NumberProvisioningError } from '../src/providers/number-errors.js';
import { NUMBER_PROVISIONERS } from '../src/providers/numbers.js';
import { FAKE_API_KEY, startFakeMailSlurp, type FakeMailSlurp } from './support/mailslurp-fake.js';

let fake: FakeMailSlurp;
let numbers: NumberProvisioner;
const signal = () => AbortSignal.timeout(5_000);
beforeEach(async () => {
  fake = await startFakeMailSlurp();
  numbers = NUMBER_PROVISIONERS.mailslurp!({ MAILSLURP_API_KEY: FAKE_API_KEY, MAILSLURP_BASE_URL: fake.url });
});
afterEach(() => fake.close());

const sdk = () => new MailSlurp({ apiKey: FAKE_API_KEY, basePath: fake.url });
const wire = (r: { method: string; path: string; query: Record<string, string>; headers: Record<string, unknown>; body: unknown }) => ({
  method: r.method, path: r.path, query: r.query, apiKey: r.headers['x-api-key'], body: r.body,
});

describe('requests, compared with the official SDK (mailslurp-client)', () => {
  it('lists numbers with the request PhoneControllerApi.getPhoneNumbers sends', async () => {
    await numbers.list(signal());
    await sdk().phoneController.getPhoneNumbers({ page: 0, size: 100 });
    const [ours, theirs] = fake.requests.filter((r) => r.path === '/phone/numbers');
    expect(wire(ours!)).toEqual(wire(theirs!));
  });

  it('rents a number with the request PhoneControllerApi.createPhoneNumber sends', async () => {
    await numbers.provision({ country: 'GB', label: 'staging' }, signal());
    await sdk().phoneController.createPhoneNumber({ createPhoneNumberOptions: { phoneCountry: 'GB' as never, name: 'staging' } });
    const [ours, theirs] = fake.requests.filter((r) => r.path === '/phone');
    expect(wire(ours!)).toEqual(wire(theirs!));
  });

  it('releases a number with the request PhoneControllerApi.deletePhoneNumber sends', async () => {
    const [a, b] = [fake.addPhone({ phoneNumber: '+15555550101', phoneCountry: 'US' }), fake.addPhone({ phoneNumber: '+15555550102', phoneCountry: 'US' })];
    await numbers.release(a.id, signal());
    await sdk().phoneController.deletePhoneNumber({ phoneNumberId: b.id });
    const [ours, theirs] = fake.requests.filter((r) => r.method === 'DELETE');
    expect(wire(ours!)).toEqual({ ...wire(theirs!), path: `/phone/numbers/${a.id}` });
  });
});

describe('the mailslurp provisioner', () => {
  it('lists every page of numbers as test numbers', async () => {
    for (let i = 0; i < 130; i++) fake.addPhone({ phoneNumber: `+1555555${String(1000 + i)}`, phoneCountry: 'US', ...(i === 0 && { name: 'staging' }) });
    const listed = await numbers.list(signal());

    expect(listed).toHaveLength(130);
    expect(listed[0]).toEqual({ id: fake.phones[0]!.id, number: '+15555551000', provider: 'mailslurp', country: 'US', label: 'staging' });
    expect(fake.requests.filter((r) => r.path === '/phone/numbers').map((r) => r.query.page)).toEqual(['0', '1']);
  });

  it('rents a number in the country asked for, labelled', async () => {
    const rented = await numbers.provision({ country: 'us', label: 'staging' }, signal());
    expect(rented).toMatchObject({ provider: 'mailslurp', country: 'US', label: 'staging' });
    expect(fake.phones.map((p) => p.id)).toContain(rented.id);
  });

  it('says why MailSlurp refuses to rent: the plan and API creation setting in its dashboard', async () => {
    fake.script('/phone', { status: 400, body: { message: 'Phone creation via API is not enabled' } });
    const error = await numbers.provision({ country: 'US' }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NumberProvisioningError);
    expect((error as Error).message).toMatch(/refused to rent a US number .*Phone creation via API is not enabled.*API phone creation enabled in the dashboard/);
  });

  it('refuses a webhook URL before renting anything: MailSlurp pushes its own format', async () => {
    await expect(numbers.provision({ country: 'US', smsWebhookUrl: 'https://probe.example/webhooks/twilio' }, signal())).rejects.toThrow(/NEW_SMS.*type: mailslurp/);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a country that is not an ISO code', async () => {
    await expect(numbers.provision({ country: 'USA' }, signal())).rejects.toThrow(NumberProvisioningError);
  });

  it('names a release of an unknown id', async () => {
    await expect(numbers.release('no-such-phone', signal())).rejects.toThrow('MailSlurp has no phone number with id "no-such-phone" (404)');
  });

  it('names a refused API key without showing it', async () => {
    const wrong = NUMBER_PROVISIONERS.mailslurp!({ MAILSLURP_API_KEY: 'ms-wrong-key-9876543210', MAILSLURP_BASE_URL: fake.url });
    const error = (await wrong.list(signal()).catch((e: unknown) => e)) as NumberProvisioningError;
    expect(error).toBeInstanceOf(NumberProvisioningError);
    expect(error.details.status).toBe(401);
    expect(error.message).toMatch(/MailSlurp refused the API key \(401\).*while listing phone numbers/);
    expect(error.message).not.toContain('ms-wrong-key');
  });

  it('needs MAILSLURP_API_KEY', () => {
    expect(() => NUMBER_PROVISIONERS.mailslurp!({})).toThrow(EnvironmentVariableError);
    expect(() => NUMBER_PROVISIONERS.mailslurp!({})).toThrow(/MAILSLURP_API_KEY/);
  });
});
