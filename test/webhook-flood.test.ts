// A flood of valid, signed webhooks through the real receiver: the inbox keeps its bounds (messages
// overall, messages per number), dropping the oldest, so memory stays bounded however many arrive.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxResult } from '../src/core/providers.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import { createWebhookInbox, type SelfHostedWebhookInbox } from '../src/providers/webhook/receiver.js';

const SECRET = 'gateway-secret-flood';
const MAX_MESSAGES = 200;
const MAX_PER_NUMBER = 20;

let inbox: SelfHostedWebhookInbox;
beforeAll(async () => {
  inbox = await createWebhookInbox({ generic: { secret: SECRET }, maxMessages: MAX_MESSAGES, maxPerNumber: MAX_PER_NUMBER });
});
afterAll(() => inbox.close());

const numberOf = (i: number) => `+1555${String(i).padStart(7, '0')}`;

async function post(to: string, id: string): Promise<number> {
  const body = JSON.stringify({ id, to, body: `Your code is ${id.slice(-6).padStart(6, '0')}` });
  const answer = await fetch(`${inbox.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': genericSignature(SECRET, body) }, body });
  return answer.status;
}

/**
 * Sends the messages `atOnce` at a time, batch after batch: the order of arrival is only known between
 * batches. Every one must be accepted.
 */
async function flood(messages: readonly { to: string; id: string }[], atOnce: number): Promise<void> {
  const statuses: number[] = [];
  for (let start = 0; start < messages.length; start += atOnce) {
    statuses.push(...(await Promise.all(messages.slice(start, start + atOnce).map(({ to, id }) => post(to, id)))));
  }
  expect(new Set(statuses)).toEqual(new Set([204]));
}

/** What the inbox holds for the number now, without waiting for more. */
async function held(number: string): Promise<readonly string[]> {
  const waiting = new AbortController();
  const result = inbox.waitForSms({ number, since: 0, sinceWallClock: new Date(0), signal: waiting.signal });
  waiting.abort();
  return result.then(
    (found: InboxResult) => found.messages.map((sms) => sms.id),
    () => [],
  );
}

describe('a webhook flood', () => {
  it('to many numbers keeps only the newest messages overall', async () => {
    const count = MAX_MESSAGES * 3;
    // Batches of 25 divide MAX_MESSAGES, so the first message kept is the first of a batch.
    await flood(Array.from({ length: count }, (_, i) => ({ to: numberOf(i), id: `many-${i}` })), 25);

    expect(await held(numberOf(0))).toEqual([]);
    expect(await held(numberOf(count - MAX_MESSAGES - 1))).toEqual([]);
    expect(await held(numberOf(count - MAX_MESSAGES))).toEqual([`many-${count - MAX_MESSAGES}`]);
    expect(await held(numberOf(count - 1))).toEqual([`many-${count - 1}`]);
    expect(inbox.pendingWaits()).toBe(0);
  });

  it('to one number keeps only its newest messages', async () => {
    const number = '+15559999999';
    const count = MAX_PER_NUMBER * 3;
    await flood(Array.from({ length: count }, (_, i) => ({ to: number, id: `one-${i}` })), 1);

    expect(await held(number)).toEqual(Array.from({ length: MAX_PER_NUMBER }, (_, i) => `one-${count - MAX_PER_NUMBER + i}`));
  });
});
