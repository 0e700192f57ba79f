// Replayed webhooks through the real receiver: a message id an acceptor already delivered is answered as
// a success and delivered to no one, also after a restart when the memory is kept in a file; a signed
// generic body without an id is delivered once; a signed timestamp must be recent. And the replay
// memory itself: its bounds, its atomic file, and a corrupt file that is reported, never fatal.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAcceptor } from '../src/providers/webhook/acceptor.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import type { WebhookReplay } from '../src/providers/webhook/handler.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../src/providers/webhook/receiver.js';
import { ReplayMemory } from '../src/providers/webhook/replay-memory.js';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const SECRET = 'gateway-shared-secret';
const NUMBER = '+15555550100';

let dir: string;
let receivers: WebhookReceiver[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-replays-'));
  receivers = [];
});
afterEach(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A receiver (as one process would run it) over a replay memory kept at `path`. */
async function startReceiver(path?: string, timestampToleranceMs?: number) {
  const inbox = new WebhookInbox();
  const replays: WebhookReplay[] = [];
  const memory = await ReplayMemory.open({ ...(path !== undefined && { path }) });
  const receiver = await startWebhookReceiver({
    inbox,
    replays: memory,
    twilio: { authToken: TOKEN, publicUrl: 'https://probe.example.com/webhooks/twilio' },
    generic: { secret: SECRET, ...(timestampToleranceMs !== undefined && { timestampToleranceMs }) },
    onReplay: (replay) => replays.push(replay),
  });
  receivers.push(receiver);
  return { inbox, receiver, replays, delivered: () => held(inbox) };
}

/** The ids the inbox holds for NUMBER now, without waiting. */
function held(inbox: WebhookInbox): Promise<string[]> {
  const controller = new AbortController();
  const waiting = inbox.waitForSms({ number: NUMBER, since: 0, sinceWallClock: new Date(0), signal: controller.signal });
  controller.abort(new Error('nothing'));
  return waiting.then(
    (result) => result.messages.map((sms) => sms.id),
    () => [],
  );
}

const twilioParams = { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+15005550006', To: NUMBER, Body: 'Your code is 482913' };

async function postTwilio(url: string): Promise<number> {
  const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://probe.example.com/webhooks/twilio', twilioParams);
  const res = await fetch(`${url}/webhooks/twilio`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(twilioParams).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

async function postGeneric(url: string, body: string, timestamp?: string, signature = genericSignature(SECRET, body, timestamp)) {
  const res = await fetch(`${url}/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signature, ...(timestamp !== undefined && { 'x-signature-timestamp': timestamp }) },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const unixNow = (offsetSeconds = 0) => String(Math.floor(Date.now() / 1000) + offsetSeconds);

describe('a replayed Twilio webhook', () => {
  it('is answered 200 but not delivered, and reported, within one process', async () => {
    const { receiver, replays, delivered } = await startReceiver();
    expect(await postTwilio(receiver.url)).toBe(200);
    expect(await postTwilio(receiver.url)).toBe(200);
    expect(await delivered()).toEqual([twilioParams.MessageSid]);
    expect(replays).toEqual([{ format: 'twilio', acceptor: createAcceptor('twilio', TOKEN).id }]);
  });

  it('is not delivered after a restart that keeps the memory in a file', async () => {
    const path = join(dir, 'state', 'webhook-replays.json');
    const before = await startReceiver(path);
    expect(await postTwilio(before.receiver.url)).toBe(200);
    await receivers.splice(receivers.indexOf(before.receiver), 1)[0]!.close();

    const after = await startReceiver(path);
    expect(await postTwilio(after.receiver.url)).toBe(200);
    expect(await after.delivered()).toEqual([]);
    expect(after.replays).toHaveLength(1);
  });

  it('is delivered again after a restart without a file: the memory was the process\'s', async () => {
    const first = await startReceiver();
    await postTwilio(first.receiver.url);
    const second = await startReceiver();
    await postTwilio(second.receiver.url);
    expect(await second.delivered()).toEqual([twilioParams.MessageSid]);
  });
});

describe('a signed generic body', () => {
  const body = JSON.stringify({ to: NUMBER, body: 'Your code is 482913' });

  it('without an id is delivered once: the identical body again is a replay', async () => {
    const { receiver, replays, delivered } = await startReceiver();
    expect((await postGeneric(receiver.url, body)).status).toBe(204);
    expect((await postGeneric(receiver.url, body)).status).toBe(204);
    expect(await delivered()).toHaveLength(1);
    expect(replays.map((replay) => replay.format)).toEqual(['generic']);
  });

  it('without an id but signed at different times is two messages', async () => {
    const { receiver, delivered } = await startReceiver();
    await postGeneric(receiver.url, body, unixNow(-1));
    await postGeneric(receiver.url, body, unixNow());
    expect(await delivered()).toHaveLength(2);
  });

  it('with an id seen before is a replay, whatever else changed', async () => {
    const { receiver, delivered } = await startReceiver();
    await postGeneric(receiver.url, JSON.stringify({ id: 'gw-1', to: NUMBER, body: 'Your code is 482913' }));
    await postGeneric(receiver.url, JSON.stringify({ id: 'gw-1', to: NUMBER, body: 'Your code is 000000' }));
    expect(await delivered()).toEqual(['gw-1']);
  });
});

describe('X-Signature-Timestamp', () => {
  const body = JSON.stringify({ id: 'gw-2', to: NUMBER, body: 'Your code is 482913' });

  it('is accepted when signed with the body and within the tolerance', async () => {
    const { receiver, delivered } = await startReceiver(undefined, 60_000);
    expect((await postGeneric(receiver.url, body, unixNow(-50))).status).toBe(204);
    expect(await delivered()).toEqual(['gw-2']);
  });

  it('is refused with 403 when older than the tolerance', async () => {
    const { receiver, delivered } = await startReceiver(undefined, 60_000);
    expect(await postGeneric(receiver.url, body, unixNow(-70))).toEqual({ status: 403, text: 'X-Signature-Timestamp is more than 60 s from our clock\n' });
    expect(await delivered()).toEqual([]);
  });

  it('is refused with 403 when later than the tolerance', async () => {
    const { receiver } = await startReceiver(undefined, 60_000);
    expect((await postGeneric(receiver.url, body, unixNow(70))).status).toBe(403);
  });

  it('cannot be changed or dropped: the signature covers it', async () => {
    const { receiver } = await startReceiver();
    const signedLongAgo = genericSignature(SECRET, body, unixNow(-3600));
    expect((await postGeneric(receiver.url, body, unixNow(), signedLongAgo)).status).toBe(403);
    expect((await postGeneric(receiver.url, body, undefined, signedLongAgo)).status).toBe(403);
  });

  it('is refused with 400 when it is not unix seconds', async () => {
    const { receiver } = await startReceiver();
    expect(await postGeneric(receiver.url, body, '2026-03-01T12:00:00Z')).toEqual({ status: 400, text: 'X-Signature-Timestamp is not unix seconds\n' });
  });
});

describe('ReplayMemory', () => {
  const twilioAcceptor = createAcceptor('twilio', TOKEN);
  const unsignedVonage = createAcceptor('vonage', undefined);

  it('keeps each acceptor\'s ids apart: the same id through another acceptor is new', () => {
    const memory = ReplayMemory.inMemory();
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(true);
    expect(memory.firstDelivery(unsignedVonage, 'SM1')).toBe(true);
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(false);
  });

  it('forgets the oldest ids past maxEntries per acceptor, so a flood through one acceptor spares another\'s', () => {
    const memory = ReplayMemory.inMemory({ maxEntries: 2 });
    memory.firstDelivery(twilioAcceptor, 'SM1');
    for (const id of ['1', '2', '3']) memory.firstDelivery(unsignedVonage, id);
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(false);
    expect(memory.firstDelivery(unsignedVonage, '1')).toBe(true);
    expect(memory.firstDelivery(unsignedVonage, '3')).toBe(false);
  });

  it('forgets ids older than maxAgeMs', () => {
    let now = 1_000_000;
    const memory = ReplayMemory.inMemory({ maxAgeMs: 1000, now: () => now });
    memory.firstDelivery(twilioAcceptor, 'SM1');
    now += 999;
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(false);
    now += 1;
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(true);
  });

  it('saves by renaming a complete file over the old one, and keeps neither ids nor credentials in clear', async () => {
    const path = join(dir, 'webhook-replays.json');
    const memory = await ReplayMemory.open({ path });
    memory.firstDelivery(twilioAcceptor, 'SM0123456789abcdef0123456789abcdef');
    await memory.saved();
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toEqual({ version: 1, acceptors: { [twilioAcceptor.id]: [[expect.any(String), expect.any(Number)]] } });
    expect(text).not.toContain('SM0123456789abcdef');
    expect(text).not.toContain(TOKEN);
    expect(await readdir(dir)).toEqual(['webhook-replays.json']);
  });

  it('reports a corrupt file, starts empty and replaces it with a valid one', async () => {
    const path = join(dir, 'webhook-replays.json');
    await writeFile(path, '{"version": 1, "acceptors": {"twilio:x": [["abc"');
    const errors: Error[] = [];
    const memory = await ReplayMemory.open({ path, onError: (error) => errors.push(error) });
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^the webhook replay memory .* is corrupt, starting empty: /)]);
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(true);
    await memory.saved();
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('reports a file of the wrong shape as corrupt', async () => {
    const path = join(dir, 'webhook-replays.json');
    await writeFile(path, JSON.stringify({ version: 1, acceptors: { 'twilio:x': [['abc', 'yesterday']] } }));
    const errors: Error[] = [];
    await ReplayMemory.open({ path, onError: (error) => errors.push(error) });
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('the entries of twilio:x are not [digest, time] pairs')]);
  });

  it('reports a failed save and carries on in memory', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, '');
    const errors: Error[] = [];
    const memory = await ReplayMemory.open({ path: join(blocker, 'webhook-replays.json'), onError: (error) => errors.push(error) });
    memory.firstDelivery(twilioAcceptor, 'SM1');
    await memory.saved();
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^the webhook replay memory .* could not be read, starting empty: ENOTDIR/),
      expect.stringMatching(/^the webhook replay memory could not be saved to .*: EEXIST/),
    ]);
    expect(memory.firstDelivery(twilioAcceptor, 'SM1')).toBe(false);
  });
});
