// Deterministic OTP retrieval for end-to-end tests (Playwright, vitest): after the test makes its app
// send a code, wait for the SMS on the test number and return the code. Only messages received after
// `since` count, so a code left over from an earlier test is skipped; and a carrier can still deliver
// a second copy of an earlier test's SMS after `since`, so the codes returned on each number are
// remembered (on the number's lease) and a message carrying one is passed over.

import { extractOtp } from '../core/extract.js';
import { NumberLeases, type Lease } from '../core/lease.js';
import { maskNumber } from '../core/mask.js';
import { systemClock, type Clock, type InboundSms, type Inbox } from '../core/providers.js';
import type { ExtractOptions } from '../core/types.js';

export interface WaitForOtpOptions {
  readonly inbox: Inbox;
  /** E.164 test number. */
  readonly number: string;
  /** Ignore messages received before this instant; default: now (call it before triggering the send). */
  readonly since?: Date;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  readonly extract?: ExtractOptions;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /**
   * Where the codes returned on each number are remembered, and what lets one wait at a time use a
   * number. Default: one set per inbox object, so tests that share their inbox share the memory.
   * Give your own to choose how much is remembered: `new NumberLeases({ memory })`.
   */
  readonly leases?: NumberLeases;
}

export interface ReceivedOtp {
  readonly code: string;
  readonly message: InboundSms;
}

export class OtpNotReceivedError extends Error {
  override readonly name = 'OtpNotReceivedError';
}

/** A wait on a number that another wait on the same inbox already uses: two tests sharing one number at once. */
export class ConcurrentOtpWaitError extends Error {
  override readonly name = 'ConcurrentOtpWaitError';
  constructor(number: string) {
    super(
      `another waitForOtp on this inbox is already waiting for a code to ${maskNumber(number)}: ` +
        'two waits on one number could both take the same SMS; give tests that run at the same time their own numbers',
    );
  }
}

/** The leases of calls given none: one set per inbox object, for as long as it lives. */
const leasesByInbox = new WeakMap<Inbox, NumberLeases>();

function leasesOf(inbox: Inbox): NumberLeases {
  let leases = leasesByInbox.get(inbox);
  if (leases === undefined) leasesByInbox.set(inbox, (leases = new NumberLeases()));
  return leases;
}

/**
 * Waits for an SMS to `number` received after `since` whose code was not returned before on this
 * number (by a call sharing the leases), and returns the newest such code; the codes of older messages
 * in the same wait were superseded (a resend) and are remembered too. Messages carrying a remembered
 * code are late copies: passed over, and counted in the OtpNotReceivedError of a wait that times out.
 *
 * Calls on different numbers may run at once. A second call on a number while one is waiting is
 * refused with ConcurrentOtpWaitError rather than queued: both tests' SMS go to that number, so either
 * could take the other's code, whatever the order.
 */
export async function waitForOtp(options: WaitForOtpOptions): Promise<ReceivedOtp> {
  const lease = (options.leases ?? leasesOf(options.inbox)).tryAcquire(options.number);
  if (lease === undefined) throw new ConcurrentOtpWaitError(options.number);
  try {
    return await receiveFreshCode(options, lease);
  } finally {
    lease.release();
  }
}

async function receiveFreshCode(options: WaitForOtpOptions, lease: Lease): Promise<ReceivedOtp> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sinceWallClock = options.since ?? clock.wallNow();
  // The same instant on the monotonic clock the inbox stamps messages with.
  const since = clock.now() - (clock.wallNow().getTime() - sinceWallClock.getTime());
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  const ignore = new Set<string>();
  let lateCopies = 0;
  for (;;) {
    let messages: readonly InboundSms[];
    try {
      ({ messages } = await options.inbox.waitForSms({ number: options.number, since, sinceWallClock, signal, ignore }));
    } catch (error) {
      if (timeout.aborted) throw new OtpNotReceivedError(`no SMS with a code to ${maskNumber(options.number)} arrived within ${timeoutMs} ms${passedOver(lateCopies)}`, { cause: error });
      throw error;
    }
    const returned = lease.usedCodes;
    const fresh: ReceivedOtp[] = [];
    for (const message of messages) {
      const { code } = extractOtp(message.body, options.extract);
      if (code !== undefined && !returned.has(code)) {
        fresh.push({ code, message });
        continue;
      }
      ignore.add(message.id);
      if (code !== undefined) lateCopies += 1;
    }
    // Oldest first: the newest is returned, and remembered last so the memory keeps it longest.
    for (const { code } of fresh) lease.markUsed(code);
    const newest = fresh.at(-1);
    if (newest !== undefined) return newest;
  }
}

function passedOver(lateCopies: number): string {
  if (lateCopies === 0) return '';
  return `; passed over ${lateCopies === 1 ? '1 SMS carrying a code' : `${lateCopies} SMS carrying codes`} returned earlier`;
}
