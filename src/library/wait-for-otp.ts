// Deterministic OTP retrieval for end-to-end tests (Playwright, vitest): after the test makes its app
// send a code, wait for the SMS on the test number and return the code. Only messages received after
// `since` count, so a code left over from an earlier test can never be returned.

import { extractOtp } from '../core/extract.js';
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
}

export interface ReceivedOtp {
  readonly code: string;
  readonly message: InboundSms;
}

export class OtpNotReceivedError extends Error {
  override readonly name = 'OtpNotReceivedError';
}

export async function waitForOtp(options: WaitForOtpOptions): Promise<ReceivedOtp> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sinceWallClock = options.since ?? clock.wallNow();
  // The same instant on the monotonic clock the inbox stamps messages with.
  const since = clock.now() - (clock.wallNow().getTime() - sinceWallClock.getTime());
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const where = `an SMS with a code to ${maskNumber(options.number)}`;

  const ignore = new Set<string>();
  for (;;) {
    let messages: readonly InboundSms[];
    try {
      ({ messages } = await options.inbox.waitForSms({ number: options.number, since, sinceWallClock, signal, ignore }));
    } catch (error) {
      if (timeout.aborted) throw new OtpNotReceivedError(`no ${where} arrived within ${timeoutMs} ms`, { cause: error });
      throw error;
    }
    // Newest first: a resend's code supersedes the one before it.
    for (const message of [...messages].reverse()) {
      const { code } = extractOtp(message.body, options.extract);
      if (code !== undefined) return { code, message };
      ignore.add(message.id);
    }
  }
}
