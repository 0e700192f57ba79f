// The inbox behind our own webhook receiver: inbound SMS are pushed to us (Twilio, an SMS gateway) and
// kept in memory, bounded, until a run asks for them. Runs wait on the number they leased.

import { MAX_SCANNED_CHARS } from '../../core/extract.js';
import { systemClock, type Clock, type InboundSms, type Inbox, type InboxQuery, type InboxResult } from '../../core/providers.js';
import type { Acceptor } from './acceptor.js';
import type { WebhookSink } from './handler.js';

/** An inbound SMS as a webhook delivers it, before we stamp our receive time. */
export interface ArrivingSms {
  readonly id: string;
  readonly to: string;
  readonly from?: string;
  readonly body: string;
  readonly providerReceivedAt?: Date;
}

export interface WebhookInboxOptions {
  /** Stamps `receivedAt` at arrival; the journey's clock. */
  readonly clock?: Clock;
  /** Messages kept per number; the oldest are dropped first. */
  readonly maxPerNumber?: number;
  /** Messages kept overall; the oldest are dropped first. */
  readonly maxMessages?: number;
}

interface Waiter {
  readonly query: InboxQuery;
  readonly resolve: (result: InboxResult) => void;
}

export class WebhookInbox implements Inbox {
  readonly type = 'webhook';
  private readonly clock: Clock;
  private readonly maxPerNumber: number;
  private readonly maxMessages: number;
  /** Every kept message by id, in arrival order: the first entry is the oldest overall. */
  private readonly byId = new Map<string, InboundSms>();
  private readonly byNumber = new Map<string, InboundSms[]>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(options: WebhookInboxOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxPerNumber = options.maxPerNumber ?? 50;
    this.maxMessages = options.maxMessages ?? 1000;
  }

  /** Stores a message and wakes the runs waiting on its number. Returns undefined for a repeated id. */
  accept(sms: ArrivingSms): InboundSms | undefined {
    if (this.byId.has(sms.id)) return undefined;
    // Only the part extraction reads is kept (an SMS is at most 1,600 characters anyway): a flood of
    // bodies near the handler's size limit would otherwise hold tens of megabytes.
    const stored: InboundSms = { ...sms, body: sms.body.slice(0, MAX_SCANNED_CHARS), receivedAt: this.clock.now() };
    const kept = this.byNumber.get(sms.to) ?? [];
    kept.push(stored);
    this.byNumber.set(sms.to, kept);
    this.byId.set(sms.id, stored);
    if (kept.length > this.maxPerNumber) this.evict(kept[0]!);
    if (this.byId.size > this.maxMessages) this.evict(this.byId.values().next().value!);

    for (const waiter of this.waiters.get(sms.to) ?? []) waiter.resolve(this.lookup(waiter.query));
    return stored;
  }

  waitForSms(query: InboxQuery): Promise<InboxResult> {
    const { number, signal } = query;
    if (signal.aborted) return Promise.reject(signal.reason);
    const now = this.lookup(query);
    if (now.messages.length > 0) return Promise.resolve(now);

    return new Promise<InboxResult>((resolve, reject) => {
      const waiters = this.waiters.get(number) ?? new Set<Waiter>();
      this.waiters.set(number, waiters);
      const settle = (): void => {
        waiters.delete(waiter);
        if (waiters.size === 0) this.waiters.delete(number);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        settle();
        reject(signal.reason);
      };
      const waiter: Waiter = {
        query,
        resolve: (result) => {
          if (result.messages.length === 0) return;
          settle();
          resolve(result);
        },
      };
      waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs currently waiting, per number; for tests and diagnostics. */
  pendingWaits(): number {
    let count = 0;
    for (const waiters of this.waiters.values()) count += waiters.size;
    return count;
  }

  private lookup({ number, since, unexpectedAfter = -Infinity, ignore }: InboxQuery): InboxResult {
    const kept = this.byNumber.get(number) ?? [];
    const fresh = kept.filter((sms) => sms.receivedAt >= since);
    const messages = ignore === undefined ? fresh : fresh.filter((sms) => !ignore.has(sms.id));
    const stale = kept.filter((sms) => sms.receivedAt < since && sms.receivedAt >= unexpectedAfter);
    return { messages, staleIgnored: stale.length };
  }

  private evict(oldest: InboundSms): void {
    this.byId.delete(oldest.id);
    const kept = this.byNumber.get(oldest.to);
    if (!kept) return;
    kept.splice(kept.indexOf(oldest), 1);
    if (kept.length === 0) this.byNumber.delete(oldest.to);
  }
}

/**
 * One inbox per acceptor, each with its own bounds: a check waits only on what its own endpoint and
 * credential let in, and a flood through one endpoint cannot evict another's messages. A message for
 * an acceptor no check uses is dropped.
 */
export class InboxesByAcceptor implements WebhookSink {
  readonly #options: WebhookInboxOptions;
  readonly #inboxes = new Map<string, WebhookInbox>();

  constructor(options: WebhookInboxOptions = {}) {
    this.#options = options;
  }

  inboxFor(acceptor: Acceptor): WebhookInbox {
    const inbox = this.#inboxes.get(acceptor.id) ?? new WebhookInbox(this.#options);
    this.#inboxes.set(acceptor.id, inbox);
    return inbox;
  }

  accept(sms: ArrivingSms, acceptor: Acceptor): InboundSms | undefined {
    return this.#inboxes.get(acceptor.id)?.accept(sms);
  }
}
