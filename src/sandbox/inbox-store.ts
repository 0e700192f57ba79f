// The handsets' side: every SMS the carrier delivered, queryable by number and time, with long-polls
// woken the moment a message lands (so a poller's arrival time is the delivery time, give or take the
// loopback hop).

import { ChangeFeed } from './pending-work.js';

export interface StoredSms {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  /** Wall clock, ISO 8601. */
  readonly receivedAt: string;
  /** Wall clock in epoch ms, for `since` filters. */
  readonly receivedAtWallMs: number;
}

export interface InboxPage {
  /** Messages to the number received at or after `since`, oldest first. */
  readonly messages: readonly StoredSms[];
  /** Messages to the number received before `since`. */
  readonly earlierCount: number;
}

export class InboxStore {
  #messages: StoredSms[] = [];
  readonly #feed = new ChangeFeed();

  add(sms: StoredSms): void {
    this.#messages.push(sms);
    this.#feed.notify();
  }

  /** The page for `to` since `sinceWallMs`, waiting up to `waitMs` for a first message. */
  async wait(to: string, sinceWallMs: number, waitMs: number, signal: AbortSignal): Promise<InboxPage> {
    const found = await this.#feed.poll(() => {
      const page = this.#page(to, sinceWallMs);
      return page.messages.length > 0 ? page : undefined;
    }, waitMs, signal);
    return found ?? this.#page(to, sinceWallMs);
  }

  clear(): void {
    this.#messages = [];
  }

  #page(to: string, sinceWallMs: number): InboxPage {
    const toNumber = this.#messages.filter((sms) => sms.to === to);
    const messages = toNumber.filter((sms) => sms.receivedAtWallMs >= sinceWallMs);
    return { messages, earlierCount: toNumber.length - messages.length };
  }
}
