import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock, InboxQuery } from '../src/core/providers.js';
import { createTwilioInbox, type TwilioInboxOptions } from '../src/providers/twilio/messages-inbox.js';
import { specExample, startFakeTwilio, twilioError, twilioSdk, type FakeTwilio, type RecordedRequest } from './support/fake-twilio.js';
import { stageError } from './support/stage-error.js';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'auth-token-never-printed';
const NUMBER = '+15017122661';
const SINCE = 1_000;
const SINCE_WALL = new Date('2026-03-10T12:00:00.400Z');

let fake: FakeTwilio;
beforeEach(async () => {
  fake = await startFakeTwilio({ username: ACCOUNT_SID, password: AUTH_TOKEN });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

function manualClock(start = SINCE): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, wallNow: () => new Date(SINCE_WALL.getTime() + now - SINCE), advance: (ms) => void (now += ms) };
}

/** An inbound message shaped like the spec's example, received `secondsAfterTrigger` after the trigger. */
function inbound(sid: string, secondsAfterTrigger: number, fields: Record<string, unknown> = {}) {
  const example = (specExample('ListMessage').messages as Record<string, unknown>[])[1]!;
  const at = new Date(SINCE_WALL.getTime() + secondsAfterTrigger * 1000).toUTCString().replace('GMT', '+0000');
  return { ...example, sid: `SM${sid.padStart(32, '0')}`, to: NUMBER, direction: 'inbound', status: 'received', error_code: null, error_message: null, num_media: '0', body: `Your code is ${sid}`, date_created: at, date_sent: at, date_updated: at, ...fields };
}

function page(messages: unknown[], nextPageUri: string | null = null) {
  return { status: 200, body: { ...specExample('ListMessage'), messages, next_page_uri: nextPageUri } };
}

function serve(...pages: ((req: RecordedRequest) => ReturnType<typeof page>)[]) {
  let call = 0;
  fake.on('ListMessage', (req) => pages[Math.min(call++, pages.length - 1)]!(req));
}

function inboxOptions(overrides: Partial<TwilioInboxOptions> = {}): TwilioInboxOptions {
  return { credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, baseUrl: fake.url, pollIntervalMs: 1_000, timeoutMs: 2_000, clock: manualClock(), ...overrides };
}

function query(overrides: Partial<InboxQuery> = {}): InboxQuery {
  return { number: NUMBER, since: SINCE, sinceWallClock: SINCE_WALL, signal: new AbortController().signal, ...overrides };
}

const sid = (n: string) => `SM${n.padStart(32, '0')}`;

describe('twilio inbox', () => {
  it('lists the number\'s messages from the trigger\'s day exactly as the official SDK does', async () => {
    serve(() => page([inbound('1', 3)]));
    await createTwilioInbox(inboxOptions()).waitForSms(query());
    await twilioSdk(fake.url, ACCOUNT_SID, AUTH_TOKEN).messages.page({ to: NUMBER, dateSentAfter: '2026-03-10' as unknown as Date, pageSize: 100 });

    const [ours, sdk] = fake.requests;
    expect(ours).toMatchObject({ operationId: 'ListMessage', query: [['DateSent>', '2026-03-10'], ['PageSize', '100'], ['To', NUMBER]] });
    expect(ours).toEqual(sdk);
  });

  it('keeps the inbound messages Twilio took in after the trigger, oldest first, with Twilio\'s time beside ours', async () => {
    serve(() => page([inbound('3', 9), inbound('2', 4), inbound('9', 5, { direction: 'outbound-api' }), inbound('1', -60)]));
    const result = await createTwilioInbox(inboxOptions()).waitForSms(query());
    expect(result.messages.map((m) => m.id)).toEqual([sid('2'), sid('3')]);
    expect(result.staleIgnored).toBe(1);
    expect(result.messages[0]).toMatchObject({ to: NUMBER, body: 'Your code is 2', receivedAt: SINCE, providerReceivedAt: new Date('2026-03-10T12:00:04Z') });
  });

  it('accepts a message Twilio dated up to 2 s before the second of the trigger (clock skew) and no earlier', async () => {
    serve(() => page([inbound('1', -3.4), inbound('2', -2.4)]));
    const result = await createTwilioInbox(inboxOptions()).waitForSms(query());
    expect(result.messages.map((m) => m.id)).toEqual([sid('2')]);
  });

  it('polls until a message arrives and stamps it when a poll first sees it', async () => {
    const clock = manualClock();
    const messages: unknown[] = [];
    serve(() => page(messages));
    const sleep = async (ms: number) => {
      clock.advance(ms);
      messages.push(inbound('1', 1));
    };
    const inbox = createTwilioInbox(inboxOptions({ clock, sleep, pollIntervalMs: 1_500 }));
    const result = await inbox.waitForSms(query());
    expect(result.messages[0]?.receivedAt).toBe(SINCE + 1_500);
    expect(fake.requests).toHaveLength(2);
  });

  it('keeps a message\'s first-seen stamp across polls', async () => {
    const clock = manualClock();
    serve(() => page([inbound('1', 1)]));
    const inbox = createTwilioInbox(inboxOptions({ clock }));
    await inbox.waitForSms(query());
    clock.advance(5_000);
    const again = await inbox.waitForSms(query());
    expect(again.messages[0]?.receivedAt).toBe(SINCE);
  });

  it('treats a message it first saw before the trigger as stale, whatever Twilio\'s clock says', async () => {
    const clock = manualClock();
    const messages = [inbound('1', 0)];
    serve(() => page(messages));
    const inbox = createTwilioInbox(inboxOptions({ clock, sleep: async () => void messages.push(inbound('2', 1)) }));
    await inbox.waitForSms(query());
    clock.advance(500);
    const next = await inbox.waitForSms(query({ since: SINCE + 500 }));
    expect(next.messages.map((m) => m.id)).toEqual([sid('2')]);
    expect(next.staleIgnored).toBe(1);
  });

  it('counts as stale only the messages that landed after the number\'s previous run ended', async () => {
    const clock = manualClock();
    const messages = [inbound('1', 0)];
    serve(() => page(messages));
    const inbox = createTwilioInbox(inboxOptions({ clock, sleep: async () => void messages.push(inbound('3', 12)) }));
    await inbox.waitForSms(query());
    clock.advance(5_000);
    messages.push(inbound('2', 6));
    clock.advance(5_000);
    const next = await inbox.waitForSms(query({
      since: SINCE + 10_000, sinceWallClock: new Date(SINCE_WALL.getTime() + 10_000),
      unexpectedAfter: SINCE + 1_000, unexpectedAfterWallClock: new Date(SINCE_WALL.getTime() + 1_000),
    }));
    expect(next.messages.map((m) => m.id)).toEqual([sid('3')]);
    expect(next.staleIgnored).toBe(1);
  });

  it('waits past the messages the caller set aside', async () => {
    const messages = [inbound('1', 1)];
    serve(() => page(messages));
    const inbox = createTwilioInbox(inboxOptions({ sleep: async () => void messages.push(inbound('2', 2)) }));
    const result = await inbox.waitForSms(query({ ignore: new Set([sid('1')]) }));
    expect(result.messages.map((m) => m.id)).toEqual([sid('2')]);
  });

  it('waits for a message Twilio is still receiving', async () => {
    const messages = [inbound('1', 1, { status: 'receiving' })];
    serve(() => page(messages));
    const inbox = createTwilioInbox(inboxOptions({ sleep: async () => void (messages[0] = inbound('1', 1)) }));
    const result = await inbox.waitForSms(query());
    expect(result.messages.map((m) => m.id)).toEqual([sid('1')]);
    expect(fake.requests).toHaveLength(2);
  });

  it('follows next_page_uri within one poll', async () => {
    const next = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=%2B15017122661&DateSent%3E=2026-03-10&PageSize=100&Page=1&PageToken=PAMMc26223853f8c46b4ab7dfaa6abba0a26`;
    serve(() => page([inbound('2', 2)], next), () => page([inbound('1', 1)]));
    const result = await createTwilioInbox(inboxOptions()).waitForSms(query());
    expect(result.messages.map((m) => m.id)).toEqual([sid('1'), sid('2')]);
    expect(fake.requests[1]?.query).toContainEqual(['PageToken', 'PAMMc26223853f8c46b4ab7dfaa6abba0a26']);
  });

  it('never follows a page URI to another host (the credentials stay with Twilio)', async () => {
    serve(() => page([], 'https://elsewhere.example/2010-04-01/Accounts/x/Messages.json'));
    const error = await stageError(createTwilioInbox(inboxOptions()).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', message: expect.stringContaining('another host') });
  });

  it('reports Twilio\'s filtering of an inbound passcode (error 30038) as inbox_error', async () => {
    serve(() => page([inbound('1', 1, { status: 'failed', error_code: 30038, error_message: 'OTP Message Body Filtered', body: '' })]));
    const error = await stageError(createTwilioInbox(inboxOptions()).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { providerCode: '30038' } });
    expect(error.message).toContain('Twilio numbers do not receive OTP messages');
  });

  it('a refused list is inbox_error with Twilio\'s code, and never shows the credentials', async () => {
    fake.on('ListMessage', () => ({ status: 401, body: twilioError(20003, 'Authenticate', 401) }));
    const error = await stageError(createTwilioInbox(inboxOptions()).waitForSms(query()));
    expect(error).toMatchObject({ reason: 'inbox_error', details: { status: 401, providerCode: '20003' } });
    expect(`${error.message} ${String(error.cause)}`).not.toContain(AUTH_TOKEN);
  });

  it('an answer that is not the documented message list is inbox_error', async () => {
    fake.on('ListMessage', () => ({ status: 200, body: { messages: 'none' } }));
    const error = await stageError(createTwilioInbox(inboxOptions()).waitForSms(query()));
    fake.violations.length = 0; // the answer breaks the spec on purpose
    expect(error).toMatchObject({ reason: 'inbox_error', message: expect.stringContaining('not the documented JSON') });
  });

  it('an unreachable Twilio is inbox_error', async () => {
    const error = await stageError(createTwilioInbox(inboxOptions({ baseUrl: 'http://127.0.0.1:9' })).waitForSms(query()));
    expect(error.reason).toBe('inbox_error');
  });

  it('rejects with the signal\'s reason when the wait is aborted', async () => {
    serve(() => page([]));
    const controller = new AbortController();
    const reason = new Error('delivery timeout');
    const inbox = createTwilioInbox(inboxOptions({ sleep: async () => controller.abort(reason) }));
    await expect(inbox.waitForSms(query({ signal: controller.signal }))).rejects.toBe(reason);
  });
});
