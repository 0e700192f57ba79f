// The mailslurp inbox against a loopback MailSlurp: the requests it sends are the official SDK's, it
// reads only SMS created since the trigger, holds one wait at a time and lets go of it on abort, and
// every failure of MailSlurp's API is an inbox_error that never shows the key.

import { MailSlurp } from 'mailslurp-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inbox, InboxQuery } from '../src/core/providers.js';
import { createMailSlurpInbox, type MailSlurpInboxOptions } from '../src/providers/mailslurp/inbox.js';
import { FAKE_API_KEY, startFakeMailSlurp, WAIT_ELAPSED, type FakeMailSlurp, type FakePhone } from './support/mailslurp-fake.js';
import { stageError } from './support/stage-error.js';

const NUMBER = '+15555550100';
const SINCE = new Date(Date.UTC(2026, 0, 1, 12));

let fake: FakeMailSlurp;
let phone: FakePhone;
beforeEach(async () => {
  fake = await startFakeMailSlurp();
  phone = fake.addPhone({ phoneNumber: NUMBER, phoneCountry: 'US' });
});
afterEach(() => fake.close());

function inbox(overrides: Partial<MailSlurpInboxOptions> = {}): Inbox {
  return createMailSlurpInbox({ apiKey: FAKE_API_KEY, phoneId: phone.id, baseUrl: fake.url, waitMs: 5_000, timeoutMs: 2_000, ...overrides });
}

function query(overrides: Partial<InboxQuery> = {}): InboxQuery {
  return { number: NUMBER, since: 0, sinceWallClock: SINCE, signal: AbortSignal.timeout(10_000), ...overrides };
}

/** The parts of a request both clients must agree on. */
function wire(request: { method: string; path: string; query: Record<string, string>; headers: Record<string, unknown>; body: unknown }) {
  return { method: request.method, path: request.path, query: request.query, apiKey: request.headers['x-api-key'], body: request.body };
}

describe('requests, compared with the official SDK (mailslurp-client)', () => {
  it('waits for SMS with the request WaitForControllerApi.waitForSms sends', async () => {
    fake.addSms(phone.id, { body: 'Your code is 482913', createdAt: new Date(SINCE.getTime() + 1000) });
    await inbox().waitForSms(query());
    const sdk = new MailSlurp({ apiKey: FAKE_API_KEY, basePath: fake.url });
    await sdk.waitController.waitForSms({
      waitForSmsConditions: { phoneNumberId: phone.id, count: 1, countType: 'ATLEAST' as never, timeout: 5_000, sortDirection: 'ASC' as never, since: SINCE },
    });

    const [ours, theirs] = fake.requests.filter((r) => r.path === '/waitForSms');
    expect(wire(ours!)).toEqual(wire(theirs!));
    expect(ours!.headers['content-type']).toBe(theirs!.headers['content-type']);
  });

  it('confirms the phone id with the request PhoneControllerApi.getPhoneNumber sends', async () => {
    fake.addSms(phone.id, { body: 'Your code is 482913', createdAt: new Date(SINCE.getTime() + 1000) });
    await inbox().waitForSms(query());
    await new MailSlurp({ apiKey: FAKE_API_KEY, basePath: fake.url }).phoneController.getPhoneNumber({ phoneNumberId: phone.id });

    const [ours, theirs] = fake.requests.filter((r) => r.path === `/phone/numbers/${phone.id}`);
    expect(wire(ours!)).toEqual(wire(theirs!));
  });
});

describe('reading SMS', () => {
  it('asks MailSlurp only for SMS created since the trigger and returns them with both clocks', async () => {
    const createdAt = new Date(SINCE.getTime() + 1500);
    const sent = fake.addSms(phone.id, { body: 'Your code is 482913', fromNumber: '+15005550006', createdAt });
    fake.addSms(phone.id, { body: 'Your code is 111111', createdAt: new Date(SINCE.getTime() - 60_000) });
    const result = await inbox({ clock: { now: () => 4242, wallNow: () => new Date() } }).waitForSms(query());

    const [wait] = fake.requests.filter((r) => r.path === '/waitForSms');
    expect(wait!.body).toMatchObject({ phoneNumberId: phone.id, since: SINCE.toISOString(), count: 1, countType: 'ATLEAST' });
    expect(result.messages).toEqual([{ id: sent.id, to: NUMBER, from: '+15005550006', body: 'Your code is 482913', receivedAt: 4242, providerReceivedAt: createdAt }]);
  });

  it('resolves the moment an SMS lands while its wait is held open', async () => {
    const waiting = inbox().waitForSms(query());
    await fake.received('/waitForSms', 1);
    const sent = fake.addSms(phone.id, { body: 'Your code is 482913' });

    const result = await waiting;
    expect(result.messages.map((m) => m.id)).toEqual([sent.id]);
    expect(fake.requests.filter((r) => r.path === '/waitForSms')).toHaveLength(1);
  });

  it('waits for one more SMS than the ones it was told to ignore, and returns only the new one', async () => {
    const old = fake.addSms(phone.id, { body: 'Your code is 111111', createdAt: new Date(SINCE.getTime() + 100) });
    const waiting = inbox().waitForSms(query({ ignore: new Set([old.id]) }));
    const [, second] = await fake.received('/waitForSms', 2);
    expect(second!.body).toMatchObject({ count: 2 });
    const fresh = fake.addSms(phone.id, { body: 'Your code is 482913' });

    expect((await waiting).messages.map((m) => m.id)).toEqual([fresh.id]);
  });

  it('re-issues the wait when MailSlurp says its hold ran out, backing off when it ran out early', async () => {
    fake.script('/waitForSms', WAIT_ELAPSED, { status: 400, body: { message: 'Failed to satisfy SMS query for phone …' } });
    const slept: number[] = [];
    const waiting = inbox({ sleep: async (ms) => void slept.push(ms) }).waitForSms(query());
    await fake.received('/waitForSms', 3);
    fake.addSms(phone.id, { body: 'Your code is 482913' });

    expect((await waiting).messages).toHaveLength(1);
    // Both holds ended at once rather than after the 5 s asked for.
    expect(slept).toEqual([1_000, 1_000]);
  });

  it('lets go of the held wait when the run aborts, rejecting with the abort reason', async () => {
    const controller = new AbortController();
    const waiting = inbox().waitForSms(query({ signal: controller.signal }));
    await fake.received('/waitForSms', 1);
    const abandoned = fake.waitAbandoned();
    const reason = new Error('delivery timeout');
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    await abandoned;
  });

  it('checks the phone id belongs to the check number once, not on every wait', async () => {
    const reader = inbox();
    fake.addSms(phone.id, { body: 'Your code is 482913', createdAt: new Date(SINCE.getTime() + 1) });
    await reader.waitForSms(query());
    await reader.waitForSms(query());

    expect(fake.requests.filter((r) => r.path === `/phone/numbers/${phone.id}`)).toHaveLength(1);
  });
});

describe('failures are inbox_error', () => {
  it('names a refused API key (401) without showing it', async () => {
    const error = await stageError(inbox({ apiKey: 'ms-wrong-key-9876543210' }).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 401 } });
    expect(error.message).toMatch(/MailSlurp refused the API key \(401\)/);
    expect(`${error.message} ${String(error.cause)}`).not.toContain('ms-wrong-key');
  });

  it('names a refused API key (403)', async () => {
    fake.script('/waitForSms', { status: 403, body: { message: 'Forbidden' } });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 403 } });
    expect(error.message).toMatch(/refused the API key \(403\)/);
  });

  it('waits out a 429 for as long as Retry-After says, then asks again', async () => {
    fake.script('/waitForSms', { status: 429, headers: { 'retry-after': '2' }, body: { message: 'Too many requests' } });
    fake.addSms(phone.id, { body: 'Your code is 482913', createdAt: new Date(SINCE.getTime() + 1) });
    const slept: number[] = [];
    const result = await inbox({ sleep: async (ms) => void slept.push(ms) }).waitForSms(query());

    expect(slept).toEqual([2000]);
    expect(result.messages).toHaveLength(1);
  });

  it('reports a 5xx with its status and MailSlurp’s message, digits masked', async () => {
    fake.script('/waitForSms', { status: 503, body: { message: 'Service unavailable for +15555550100' } });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 503 } });
    expect(error.message).toContain('MailSlurp answered 503');
    expect(error.message).not.toContain('5555550100');
  });

  it('reports an answer that is not the documented JSON', async () => {
    fake.script('/waitForSms', { status: 200, body: '<html>gateway</html>' });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error.message).toMatch(/not the documented JSON/);
    expect(error.cause).toBeDefined();
  });

  it('reports MailSlurp being unreachable', async () => {
    const error = await stageError(inbox({ baseUrl: 'http://127.0.0.1:9' }).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error' });
    expect(error.message).toMatch(/connection refused/);
  });

  it('refuses a phone id that is another number, masking both', async () => {
    const other = fake.addPhone({ phoneNumber: '+15555550199', phoneCountry: 'US' });
    const error = await stageError(inbox({ phoneId: other.id }).waitForSms(query()));
    expect(error.message).toContain(`MailSlurp phone "${other.id}" is +1555•••0199, not the check's number`);
    expect(error.message).not.toContain('5555550199');
  });

  it('refuses a phone id MailSlurp does not know', async () => {
    const error = await stageError(inbox({ phoneId: 'no-such-phone' }).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 404 } });
    expect(error.message).toContain('MailSlurp has no phone number with id "no-such-phone" (404)');
  });
});
