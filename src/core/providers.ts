// The three small interfaces every provider implements. The journey engine knows nothing else about
// the outside world: a provider turns its far side's answers into these shapes, and its failures into
// a StageError carrying the right FailureReason (see outcome.ts).

/** Everything a provider call gets: the test number and a signal that aborts it (timeouts, shutdown). */
export interface StageContext {
  /** E.164 test number that receives the SMS. */
  readonly number: string;
  readonly signal: AbortSignal;
}

/** Why the far side says the message will never arrive (status callback `failed`/`undelivered`). */
export interface DeliveryFailure {
  readonly status: 'failed' | 'undelivered';
  /** Carrier/provider error code, kept in the run record (e.g. Twilio 30003). */
  readonly errorCode?: string;
}

export interface TriggerResult {
  /** Provider's id of the send (verification SID, request id), for correlation; never a code. */
  readonly reference?: string;
  /**
   * Settles with a DeliveryFailure if the provider reports the message failed; never settles
   * otherwise. The journey races it against the inbox. Absent when the provider cannot tell.
   */
  readonly deliveryFailure?: Promise<DeliveryFailure>;
  /**
   * Cancels the pending send when the journey ends without a successful verify; best effort, bounded.
   * A pending verification can count toward the provider's per-number send limits, so a run that keeps
   * failing would otherwise lock its own test number. Called at most once, under a signal that aborts
   * when the caller stops waiting; its failure changes nothing about the run. Absent when the provider
   * cannot cancel.
   */
  release?(signal: AbortSignal): Promise<void>;
}

/** Starts a send: asks the app or the OTP provider to text a code to the number. */
export interface Trigger {
  readonly type: string;
  send(ctx: StageContext): Promise<TriggerResult>;
}

export interface InboundSms {
  /** Provider's message id; stable across polls, used to de-duplicate. */
  readonly id: string;
  readonly to: string;
  readonly from?: string;
  readonly body: string;
  /** When the message reached us, on the journey's monotonic clock (Clock.now()). */
  readonly receivedAt: number;
  /** The receiving provider's own receive time, kept beside ours and never subtracted from it. */
  readonly providerReceivedAt?: Date;
}

export interface InboxQuery extends StageContext {
  /**
   * Monotonic time (Clock.now()) at which the send request went out: older messages are stale. The
   * request time, not the acceptance time, because a fast carrier can deliver before a slow send API
   * answers; the number's lease guarantees nothing else texts it meanwhile.
   */
  readonly since: number;
  /** The same instant on the wall clock, for providers whose APIs filter by date. */
  readonly sinceWallClock: Date;
  /**
   * Monotonic time (Clock.now()) from which a message before `since` was unexpected: the number's
   * previous run had ended, so no run was waiting for it. Only those count in `staleIgnored`; without
   * it (no earlier run known), every message before `since` does.
   */
  readonly unexpectedAfter?: number;
  /** The same instant on the wall clock; given exactly when `unexpectedAfter` is. */
  readonly unexpectedAfterWallClock?: Date;
  /**
   * Ids of messages the caller has already looked at and set aside: they are neither listed nor
   * enough to resolve the wait, so a caller waiting for something else does not spin on them.
   */
  readonly ignore?: ReadonlySet<string>;
}

export interface InboxResult {
  /** Messages to the number received at or after `since` and not ignored, oldest first. Never empty. */
  readonly messages: readonly InboundSms[];
  /**
   * How many messages to the number were skipped because they arrived before `since` — and at or after
   * `unexpectedAfter`, when the query gives it. Inboxes that cannot tell report 0.
   */
  readonly staleIgnored: number;
}

/** Reads SMS that reached a test number. */
export interface Inbox {
  readonly type: string;
  /**
   * Resolves once at least one message to `number` received after `since`, and not in `ignore`, is
   * there. Rejects with the signal's reason when aborted (the journey turns a delivery timeout into
   * sms_not_received), and with StageError('inbox_error') when the receiving provider fails.
   */
  waitForSms(query: InboxQuery): Promise<InboxResult>;
  /** Releases polling loops, servers and sockets. */
  close?(): Promise<void>;
}

export interface VerifyContext extends StageContext {
  readonly code: string;
}

/**
 * Submits a code. Resolves when the code was accepted; throws StageError with `code_rejected`,
 * `code_expired`, `verify_rate_limited` or `verify_error` otherwise.
 */
export interface Verifier {
  readonly type: string;
  verify(ctx: VerifyContext): Promise<void>;
}

/** The three providers a check runs with. */
export interface CheckProviders {
  readonly trigger: Trigger;
  readonly inbox: Inbox;
  readonly verifier: Verifier;
}

/** The journey's clock: monotonic milliseconds for durations, the wall clock only for reports. */
export interface Clock {
  now(): number;
  wallNow(): Date;
}

/** The real clock, the one place the core reads the time; everything else is handed a Clock. */
export const systemClock: Clock = {
  // eslint-disable-next-line no-restricted-properties -- this is the injected clock's production implementation
  now: () => performance.now(),
  // eslint-disable-next-line no-restricted-syntax -- this is the injected clock's production implementation
  wallNow: () => new Date(),
};
