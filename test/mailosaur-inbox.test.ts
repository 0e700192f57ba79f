// The mailosaur inbox against a loopback Mailosaur: the requests it sends are the official SDK's, it
// searches only messages received since the trigger, polls on Mailosaur's own schedule, and every
// failure of Mailosaur's API is an inbox_error that never shows the key.

import MailosaurClient from 'mailosaur';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inbox, InboxQuery } from '../src/core/providers.js';
import { createMailosaurInbox, type MailosaurInboxOptions } from '../src/providers/mailosaur/inbox.js';
import { FAKE_MAILOSAUR_KEY, FAKE_SERVER_ID, startFakeMailosaur, type FakeMailosaur } from './support/mailosaur-fake.js';
import { stageError } from './support/stage-error.js';

const NUMBER = '+447700900123';
const DIGITS = '447700900123';
const SINCE = new Date(Date.UTC(2026, 0, 1, 12));
const after = (ms: number) => new Date(SINCE.getTime() + ms);

let fake: FakeMailosaur;
beforeEach(async () => {
  fake = await startFakeMailosaur();
});
afterEach(() => fake.close());

function inbox(overrides: Partial<MailosaurInboxOptions> = {}): Inbox {
  return createMailosaurInbox({ apiKey: FAKE_MAILOSAUR_KEY, serverId: FAKE_SERVER_ID, baseUrl: fake.url, pollIntervalMs: 1_000, timeoutMs: 2_000, ...overrides });
}

function query(overrides: Partial<InboxQuery> = {}): InboxQuery {
  return { number: NUMBER, since: 0, sinceWallClock: SINCE, signal: AbortSignal.timeout(10_000), ...overrides };
}

/** Records the waits between searches, and lets each through at once. */
function recordingSleep(): { slept: number[]; sleep: (ms: number) => Promise<void> } {
  const slept: number[] = [];
  return { slept, sleep: async (ms) => void slept.push(ms) };
}

const wire = (r: { method: string; path: string; query: Record<string, string>; headers: Record<string, unknown>; body: unknown }) => ({
  method: r.method, path: r.path, query: r.query, authorization: r.headers.authorization, body: r.body,
});

describe('requests, compared with the official SDK (mailosaur)', () => {
  /**
   * The SDK speaks HTTPS to port 443 only, so it reaches the fake through its proxy support (read when
   * the client is made), and accepts the fake's self-signed certificate for the length of the test.
   */
  const saved = { proxy: process.env.HTTPS_PROXY, reject: process.env.NODE_TLS_REJECT_UNAUTHORIZED };
  function sdk(): MailosaurClient {
    process.env.HTTPS_PROXY = fake.proxyUrl;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      return new MailosaurClient(FAKE_MAILOSAUR_KEY, fake.sdkBaseUrl);
    } finally {
      restore('HTTPS_PROXY', saved.proxy);
    }
  }
  afterEach(() => restore('NODE_TLS_REJECT_UNAUTHORIZED', saved.reject));

  it('searches with the request messages.search sends', async () => {
    fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(1000) });
    await inbox().waitForSms(query());
    await sdk().messages.search(FAKE_SERVER_ID, { sentTo: DIGITS }, { receivedAfter: SINCE, itemsPerPage: 50 });

    const [ours, theirs] = fake.requests.filter((r) => r.path === '/api/messages/search');
    expect(wire(ours!)).toEqual(wire(theirs!));
    expect(ours!.headers['content-type']).toBe(theirs!.headers['content-type']);
  });

  it('reads a message with the request messages.getById sends', async () => {
    const sms = fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(1000) });
    await inbox().waitForSms(query());
    await sdk().messages.getById(sms.id);

    const [ours, theirs] = fake.requests.filter((r) => r.path === `/api/messages/${sms.id}`);
    expect(wire(ours!)).toEqual(wire(theirs!));
  });
});

describe('reading SMS', () => {
  it('searches only messages received since the trigger and returns them oldest first, with both clocks', async () => {
    fake.addSms({ to: DIGITS, body: 'Your code is 111111', received: new Date(SINCE.getTime() - 60_000) });
    const first = fake.addSms({ to: DIGITS, body: 'Your code is 482913', from: '15005550006', received: after(1000) });
    const second = fake.addSms({ to: DIGITS, body: 'Your code is 739201', received: after(2000) });
    const result = await inbox({ clock: { now: () => 4242, wallNow: () => new Date() } }).waitForSms(query());

    const [search] = fake.requests.filter((r) => r.path === '/api/messages/search');
    expect(search!.query.receivedAfter).toBe(SINCE.toISOString());
    expect(search!.body).toEqual({ sentTo: DIGITS });
    expect(result.messages).toEqual([
      { id: first.id, to: NUMBER, from: '15005550006', body: 'Your code is 482913', receivedAt: 4242, providerReceivedAt: after(1000) },
      expect.objectContaining({ id: second.id, body: 'Your code is 739201', providerReceivedAt: after(2000) }),
    ]);
  });

  it('polls on the x-ms-delay schedule Mailosaur sends until a message arrives', async () => {
    const { slept, sleep } = recordingSleep();
    const waiting = inbox({ sleep }).waitForSms(query());
    await fake.received('/api/messages/search', 5);
    fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(5000) });

    expect((await waiting).messages).toHaveLength(1);
    expect(slept.slice(0, 4)).toEqual([250, 500, 1000, 1000]);
  });

  it('falls back to the poll interval when Mailosaur sends no schedule', async () => {
    fake.script('/api/messages/search', { status: 200, body: { items: [] } });
    fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(1000) });
    const { slept, sleep } = recordingSleep();
    await inbox({ sleep, pollIntervalMs: 700 }).waitForSms(query());

    expect(slept).toEqual([700]);
  });

  it('passes over messages it was told to ignore, and does not read them again', async () => {
    const old = fake.addSms({ to: DIGITS, body: 'Your code is 111111', received: after(100) });
    const { sleep } = recordingSleep();
    const waiting = inbox({ sleep }).waitForSms(query({ ignore: new Set([old.id]) }));
    await fake.received('/api/messages/search', 2);
    const fresh = fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(2000) });

    expect((await waiting).messages.map((m) => m.id)).toEqual([fresh.id]);
    expect(fake.requests.some((r) => r.path === `/api/messages/${old.id}`)).toBe(false);
  });

  it('stops polling when the run aborts, rejecting with the abort reason', async () => {
    const controller = new AbortController();
    const waiting = inbox().waitForSms(query({ signal: controller.signal }));
    await fake.received('/api/messages/search', 1);
    const reason = new Error('delivery timeout');
    controller.abort(reason);

    // The loop only ends by returning or throwing: a rejection means no search comes after it.
    await expect(waiting).rejects.toBe(reason);
  });
});

describe('failures are inbox_error', () => {
  it('names a refused API key (401) without showing it', async () => {
    const error = await stageError(inbox({ apiKey: 'mailosaur-wrong-key-987' }).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 401 } });
    expect(error.message).toMatch(/Mailosaur refused the API key \(401\)/);
    expect(`${error.message} ${String(error.cause)}`).not.toContain('wrong-key');
  });

  it('names a key without access to the server (403)', async () => {
    fake.script('/api/messages/search', { status: 403, body: '' });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 403 } });
    expect(error.message).toContain(`refused the API key access to server "${FAKE_SERVER_ID}" (403)`);
  });

  it('names an unknown server (404)', async () => {
    const error = await stageError(inbox({ serverId: 'zzzz9999' }).waitForSms(query()));
    expect(error.message).toContain('Mailosaur has no server "zzzz9999"');
  });

  it('quotes the invalid parameters Mailosaur lists in a 400', async () => {
    fake.script('/api/messages/search', { status: 400, body: { errors: [{ field: 'receivedAfter', detail: [{ description: 'must be a date' }] }] } });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error.message).toContain('Mailosaur answered 400: "(receivedAfter) must be a date"');
  });

  it('waits out a 429 for as long as Retry-After says, then searches again', async () => {
    fake.script('/api/messages/search', { status: 429, headers: { 'retry-after': '3' }, body: '' });
    fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(1000) });
    const { slept, sleep } = recordingSleep();
    const result = await inbox({ sleep }).waitForSms(query());

    expect(slept).toEqual([3000]);
    expect(result.messages).toHaveLength(1);
  });

  it('reports a 5xx with its status', async () => {
    fake.script('/api/messages/search', { status: 502, body: { message: 'Bad gateway' } });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 502 } });
    expect(error.message).toContain('Mailosaur answered 502: "Bad gateway"');
  });

  it('reports a message that vanished between the search and the read', async () => {
    const sms = fake.addSms({ to: DIGITS, body: 'Your code is 482913', received: after(1000) });
    fake.script(`/api/messages/${sms.id}`, { status: 404, body: '' });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 404 } });
  });

  it('reports an answer that is not the documented JSON', async () => {
    fake.script('/api/messages/search', { status: 200, body: '{"results": []}' });
    const error = await stageError(inbox().waitForSms(query()));
    expect(error.message).toMatch(/search answer is not the documented JSON/);
  });

  it('reports Mailosaur being unreachable', async () => {
    const error = await stageError(inbox({ baseUrl: 'http://127.0.0.1:9' }).waitForSms(query()));
    expect(error.message).toMatch(/connection refused/);
  });
});

function restore(variable: string, value: string | undefined): void {
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- deleting is the only way to unset an environment variable
  if (value === undefined) delete process.env[variable];
  else process.env[variable] = value;
}
