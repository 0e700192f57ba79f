import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { extractOtp, MAX_SCANNED_CHARS } from '../src/core/extract.js';
import type { Clock } from '../src/core/providers.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';

const NUMBER = '+15555550100';
const OTHER = '+15555550199';

function manualClock(start = 1000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, wallNow: () => new Date(now), advance: (ms) => void (now += ms) };
}

function query(since: number, signal = new AbortController().signal) {
  return { number: NUMBER, since, sinceWallClock: new Date(since), signal };
}

describe('WebhookInbox', () => {
  it('stamps receivedAt with the injected clock at arrival', () => {
    const clock = manualClock(5000);
    const inbox = new WebhookInbox({ clock });
    const providerReceivedAt = new Date('2026-03-01T12:00:00Z');
    expect(inbox.accept({ id: 'a', to: NUMBER, from: 'ACME', body: 'code 1', providerReceivedAt })).toEqual({
      id: 'a',
      to: NUMBER,
      from: 'ACME',
      body: 'code 1',
      providerReceivedAt,
      receivedAt: 5000,
    });
  });

  it('resolves at once with the messages already received since the trigger', async () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    inbox.accept({ id: 'a', to: NUMBER, body: 'code 1' });
    const result = await inbox.waitForSms(query(1000));
    expect(result.messages.map((m) => m.id)).toEqual(['a']);
  });

  it('resolves on the next arrival to the number when nothing is there yet', async () => {
    const clock = manualClock();
    const inbox = new WebhookInbox({ clock });
    const waiting = inbox.waitForSms(query(1000));
    inbox.accept({ id: 'elsewhere', to: OTHER, body: 'code 9' });
    clock.advance(250);
    inbox.accept({ id: 'mine', to: NUMBER, body: 'code 1' });
    const result = await waiting;
    expect(result.messages).toEqual([{ id: 'mine', to: NUMBER, body: 'code 1', receivedAt: 1250 }]);
    expect(inbox.pendingWaits()).toBe(0);
  });

  it('counts as stale only the earlier messages received at or after `unexpectedAfter`', async () => {
    const clock = manualClock();
    const inbox = new WebhookInbox({ clock });
    inbox.accept({ id: 'previous-run', to: NUMBER, body: 'code 1' });
    clock.advance(100);
    inbox.accept({ id: 'between-runs', to: NUMBER, body: 'code 2' });
    clock.advance(100);
    inbox.accept({ id: 'new', to: NUMBER, body: 'code 3' });
    const result = await inbox.waitForSms({ ...query(1200), unexpectedAfter: 1050, unexpectedAfterWallClock: new Date(1050) });
    expect(result.messages.map((m) => m.id)).toEqual(['new']);
    expect(result.staleIgnored).toBe(1);
  });

  it('ignores messages received before `since` and counts them', async () => {
    const clock = manualClock();
    const inbox = new WebhookInbox({ clock });
    inbox.accept({ id: 'old-1', to: NUMBER, body: 'code 1' });
    inbox.accept({ id: 'old-2', to: NUMBER, body: 'code 2' });
    clock.advance(100);
    const waiting = inbox.waitForSms(query(1100));
    inbox.accept({ id: 'new', to: NUMBER, body: 'code 3' });
    const result = await waiting;
    expect(result.messages.map((m) => m.id)).toEqual(['new']);
    expect(result.staleIgnored).toBe(2);
  });

  it('returns every fresh message, oldest first', async () => {
    const clock = manualClock();
    const inbox = new WebhookInbox({ clock });
    inbox.accept({ id: 'first', to: NUMBER, body: 'code 1' });
    clock.advance(10);
    inbox.accept({ id: 'second', to: NUMBER, body: 'code 2' });
    const result = await inbox.waitForSms(query(1000));
    expect(result.messages.map((m) => m.id)).toEqual(['first', 'second']);
  });

  it('drops a message whose id it already holds', async () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    inbox.accept({ id: 'SM1', to: NUMBER, body: 'code 1' });
    expect(inbox.accept({ id: 'SM1', to: NUMBER, body: 'code 1' })).toBeUndefined();
    expect((await inbox.waitForSms(query(0))).messages).toHaveLength(1);
  });

  it('keeps at most maxPerNumber messages per number, evicting the oldest', async () => {
    const inbox = new WebhookInbox({ clock: manualClock(), maxPerNumber: 2 });
    for (const id of ['1', '2', '3']) inbox.accept({ id, to: NUMBER, body: `code ${id}` });
    expect((await inbox.waitForSms(query(0))).messages.map((m) => m.id)).toEqual(['2', '3']);
  });

  it('keeps at most maxMessages overall, evicting the oldest of any number', async () => {
    const inbox = new WebhookInbox({ clock: manualClock(), maxMessages: 2 });
    inbox.accept({ id: 'mine', to: NUMBER, body: 'code 1' });
    inbox.accept({ id: 'other-1', to: OTHER, body: 'code 2' });
    inbox.accept({ id: 'other-2', to: OTHER, body: 'code 3' });
    const waiting = inbox.waitForSms(query(0));
    inbox.accept({ id: 'mine-2', to: NUMBER, body: 'code 4' });
    expect((await waiting).messages.map((m) => m.id)).toEqual(['mine-2']);
  });

  it('keeps only the part of a body extraction reads, so a 60 KiB body still yields the code near its start', () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    const body = `Your Acme code is 482913. ${'x'.repeat(60 * 1024)}`;
    const stored = inbox.accept({ id: 'big', to: NUMBER, body });
    expect(stored?.body).toHaveLength(MAX_SCANNED_CHARS);
    expect(extractOtp(stored?.body ?? '', {}).code).toBe('482913');
  });

  it('accepts an evicted id again', () => {
    const inbox = new WebhookInbox({ clock: manualClock(), maxMessages: 1 });
    inbox.accept({ id: 'a', to: NUMBER, body: 'x' });
    inbox.accept({ id: 'b', to: NUMBER, body: 'y' });
    expect(inbox.accept({ id: 'a', to: NUMBER, body: 'x' })).toBeDefined();
  });

  it("rejects with the signal's reason on abort and leaves no listener or waiter behind", async () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    const controller = new AbortController();
    const waiting = inbox.waitForSms(query(1000, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const timeout = new Error('delivery timeout');
    controller.abort(timeout);
    await expect(waiting).rejects.toBe(timeout);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(inbox.pendingWaits()).toBe(0);
  });

  it('removes its abort listener once a message resolves the wait', async () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    const controller = new AbortController();
    const waiting = inbox.waitForSms(query(1000, controller.signal));
    inbox.accept({ id: 'a', to: NUMBER, body: 'code 1' });
    await waiting;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const inbox = new WebhookInbox({ clock: manualClock() });
    inbox.accept({ id: 'a', to: NUMBER, body: 'code 1' });
    const reason = new Error('cancelled');
    await expect(inbox.waitForSms(query(0, AbortSignal.abort(reason)))).rejects.toBe(reason);
  });
});
