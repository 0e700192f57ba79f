// The bounded vocabulary of a run's result. These names are contracts: metric labels, report fields
// and alert rules use them verbatim, so add to them only with a matching change to docs/metrics.md.

export const STAGES = ['trigger', 'deliver', 'extract', 'verify'] as const;
export type Stage = (typeof STAGES)[number];

/** `target`: the system under test failed. `probe`: otp-canary or its receiving provider failed. */
export type Origin = 'target' | 'probe';

export type Outcome = 'success' | 'degraded' | 'failure';

interface ReasonInfo {
  /** Stage the reason belongs to; `any` reasons take the stage where they happened. */
  readonly stage: Stage | 'any';
  readonly origin: Origin;
  readonly meaning: string;
}

export const FAILURE_REASONS = {
  trigger_rejected: { stage: 'trigger', origin: 'target', meaning: 'the send was refused with a 4xx other than 429 (blocked country, bad number)' },
  trigger_rate_limited: { stage: 'trigger', origin: 'target', meaning: 'the send was refused with 429 or a provider rate limit' },
  trigger_error: { stage: 'trigger', origin: 'target', meaning: 'the send failed with a 5xx, a reset or a timeout' },
  sms_undelivered: { stage: 'deliver', origin: 'target', meaning: 'the provider reported the message failed or undelivered' },
  sms_not_received: { stage: 'deliver', origin: 'target', meaning: 'nothing arrived within the delivery timeout' },
  sms_late: { stage: 'deliver', origin: 'target', meaning: "the SMS arrived after the OTP's TTL" },
  code_not_found: { stage: 'extract', origin: 'target', meaning: 'a message arrived but no code could be extracted' },
  code_rejected: { stage: 'verify', origin: 'target', meaning: 'the code that was just sent was refused' },
  code_expired: { stage: 'verify', origin: 'target', meaning: 'the code was refused as expired' },
  verify_rate_limited: { stage: 'verify', origin: 'target', meaning: 'the verify was refused with 429 or max check attempts' },
  verify_error: { stage: 'verify', origin: 'target', meaning: 'the verify failed with a 5xx, a reset or a timeout' },
  inbox_error: { stage: 'any', origin: 'probe', meaning: "the receiving provider's API failed" },
  internal_error: {
    stage: 'any',
    origin: 'probe',
    meaning: 'a bug or misconfiguration in otp-canary, or its process running out of file descriptors, memory, disk space or local ports',
  },
  number_contention: {
    stage: 'any',
    origin: 'probe',
    meaning: "another send to the test number (another process, or an earlier run's SMS still in flight) made the run's own SMS impossible to tell apart",
  },
} as const satisfies Record<string, ReasonInfo>;

export type FailureReason = keyof typeof FAILURE_REASONS;
export const FAILURE_REASON_NAMES = Object.keys(FAILURE_REASONS) as FailureReason[];

/** Things worth knowing about a run that never change its outcome. */
export const WARNINGS = [
  'duplicate_sms', // more than one candidate arrived after the trigger (the newest was used), or a late copy of an earlier run's SMS was passed over
  'stale_messages_ignored', // messages to the number that arrived while no run awaited them (after its previous run ended, before this trigger; any before it on a number's first run) were skipped
  'ambiguous_code', // extraction found more than one plausible code; the best-ranked was used
  'provider_clock_skew', // the receiving provider's timestamp disagrees with ours by more than a second
  'late_sms_awaited', // before its trigger, the run waited for an earlier run's SMS that never reached it, and retired its code if it landed
  'code_retried', // the app refused the code, a newer SMS had arrived, and its code was accepted (a second attempt)
  'foreign_sms', // messages to the number carried codes no run here was sent: someone else is using the number
] as const;
export type Warning = (typeof WARNINGS)[number];

export const CONTROLS = [
  'wrong_code_rejected',
  'max_attempts_lockout',
  'single_use',
  'resend_invalidates_previous',
  'resend_throttled',
  'code_expires',
  'concurrent_verify_once',
] as const;
export type ControlName = (typeof CONTROLS)[number];
export type ControlStatus = 'passed' | 'violated' | 'inconclusive';

/**
 * A stage failure raised by a provider or by the journey. Providers throw it with the reason that
 * matches what the far side said; any other error escaping a stage is reported as `internal_error`.
 */
export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly details: StageErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

export interface StageErrorDetails {
  cause?: unknown;
  /** HTTP status the far side answered with, when there was one. */
  status?: number;
  /** Provider or carrier error code (e.g. Twilio 60203, carrier 30003). */
  providerCode?: string;
  /** Seconds the far side asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
}
