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

  /**
   * The page for `to` since `sinceWallMs`, without the `exclude`d message ids (a reader passing over
   * messages it has already judged), waiting up to `waitMs` for a first message.
   */
  async wait(to: string, sinceWallMs: number, waitMs: number, signal: AbortSignal, exclude: ReadonlySet<string> = new Set()): Promise<InboxPage> {
    const found = await this.#feed.poll(() => {
      const page = this.#page(to, sinceWallMs, exclude);
      return page.messages.length > 0 ? page : undefined;
    }, waitMs, signal);
    return found ?? this.#page(to, sinceWallMs, exclude);
  }

  clear(): void {
    this.#messages = [];
  }

  #page(to: string, sinceWallMs: number, exclude: ReadonlySet<string>): InboxPage {
    const toNumber = this.#messages.filter((sms) => sms.to === to);
    const recent = toNumber.filter((sms) => sms.receivedAtWallMs >= sinceWallMs);
    const messages = recent.filter((sms) => !exclude.has(sms.id));
    return { messages, earlierCount: toNumber.length - recent.length };
  }
}
