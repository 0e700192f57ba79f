// What a check is, once its config has been parsed, and what one run of it produced. Every face (CLI,
// Action, probe) consumes RunRecord; none of its fields ever holds a code, a credential or a full
// phone number in clear.

import type { ControlName, ControlStatus, FailureReason, Origin, Outcome, Stage, Warning } from './outcome.js';

export interface ExtractOptions {
  /** A regular expression with a named group `code`; replaces the built-in heuristics. */
  readonly pattern?: string | undefined;
  readonly minLength?: number | undefined;
  readonly maxLength?: number | undefined;
}

export interface OtpPolicy {
  /** How long a code stays valid, as promised by the OTP system. */
  readonly ttlMs: number;
  /** Minimum time between two sends to one number. */
  readonly resendWindowMs: number;
  /** Wrong codes allowed before the OTP system locks the verification. */
  readonly maxAttempts: number;
}

export interface CheckTimeouts {
  /** From trigger accepted to SMS in the inbox: past it the run fails with sms_not_received. */
  readonly deliveryMs: number;
  /** The whole journey. */
  readonly totalMs: number;
  /** One HTTP step (trigger or verify). */
  readonly stepMs: number;
}

/** A check as the engine runs it: durations in milliseconds, providers already built. */
export interface CheckSpec {
  readonly name: string;
  /** E.164. Appears only masked outside the providers. */
  readonly number: string;
  readonly location: string;
  readonly extract: ExtractOptions;
  readonly timeouts: CheckTimeouts;
  /** A success slower than this (whole journey) is `degraded`. */
  readonly degradedAfterMs?: number | undefined;
  readonly policy: OtpPolicy;
  readonly controls: readonly ControlName[];
}

export interface StageTimings {
  /** Request sent → send accepted. */
  triggerMs?: number;
  /** Send accepted → SMS received: the delivery latency. */
  deliverMs?: number;
  extractMs?: number;
  /** Code submitted → answer. */
  verifyMs?: number;
  /** The whole journey, start to end. */
  totalMs: number;
}

export interface RunRecord {
  readonly id: string;
  readonly check: string;
  readonly location: string;
  /** Masked, e.g. `+1555•••0100`. */
  readonly number: string;
  /** Wall-clock start, ISO 8601. */
  readonly startedAt: string;
  readonly outcome: Outcome;
  /** Present exactly when outcome is `failure`. */
  readonly reason?: FailureReason;
  readonly stage?: Stage;
  readonly origin?: Origin;
  /** Human-readable cause of a failure, masked. */
  readonly detail?: string;
  readonly warnings: readonly Warning[];
  readonly timings: StageTimings;
  /** deliverMs / 1000, when an SMS arrived. */
  readonly deliverySeconds?: number;
  /** The receiving provider's receive time, ISO 8601, when it gives one. */
  readonly providerReceivedAt?: string;
  /** Provider/carrier error code (e.g. 30003 for an undelivered SMS, 60203 for a rate limit). */
  readonly providerCode?: string;
  /** Masked code (maskCode), e.g. `••••••`. */
  readonly code?: string;
  /** True when the run was cut off by shutdown or cancellation rather than finishing. */
  readonly cancelled?: boolean;
}

export interface ControlRecord {
  readonly check: string;
  readonly location: string;
  readonly control: ControlName;
  readonly status: ControlStatus;
  readonly startedAt: string;
  readonly durationMs: number;
  /** What was observed, masked: why it passed, was violated or could not be decided. */
  readonly detail: string;
}
