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
  /** Messages to the number received before `since` (and at or after `earlierSince`, when given). */
  readonly earlierCount: number;
}

/** Which of a number's messages a page lists and which it counts as earlier, in wall-clock epoch ms. */
export interface PageWindow {
  readonly sinceWallMs: number;
  /** Counts only earlier messages received at or after this; all of them when absent. */
  readonly earlierSinceWallMs?: number;
  /** Message ids left out (a reader passing over messages it has already judged). */
  readonly exclude?: ReadonlySet<string>;
}

export class InboxStore {
  #messages: StoredSms[] = [];
  readonly #feed = new ChangeFeed();

  add(sms: StoredSms): void {
    this.#messages.push(sms);
    this.#feed.notify();
  }

  /** The page for `to` in `window`, waiting up to `waitMs` for a first message. */
  async wait(to: string, window: PageWindow, waitMs: number, signal: AbortSignal): Promise<InboxPage> {
    const found = await this.#feed.poll(() => {
      const page = this.#page(to, window);
      return page.messages.length > 0 ? page : undefined;
    }, waitMs, signal);
    return found ?? this.#page(to, window);
  }

  clear(): void {
    this.#messages = [];
  }

  #page(to: string, { sinceWallMs, earlierSinceWallMs = -Infinity, exclude }: PageWindow): InboxPage {
    const toNumber = this.#messages.filter((sms) => sms.to === to);
    const recent = toNumber.filter((sms) => sms.receivedAtWallMs >= sinceWallMs);
    const messages = exclude === undefined ? recent : recent.filter((sms) => !exclude.has(sms.id));
    const earlier = toNumber.filter((sms) => sms.receivedAtWallMs < sinceWallMs && sms.receivedAtWallMs >= earlierSinceWallMs);
    return { messages, earlierCount: earlier.length };
  }
}
