// How the embedded world behaves. The `sandbox:` block of otp-canary.yml parses into this shape
// (durations in milliseconds); every field has a default so `{}` is a working, well-behaved sandbox.

/** The anti-abuse controls the reference OTP service can be told to drop, so tests prove we catch it. */
export const WEAKENABLE_CONTROLS = [
  'wrong_code_rejected', // accept any code
  'max_attempts_lockout', // never lock after wrong attempts
  'single_use', // a verified code stays valid
  'resend_invalidates_previous', // a resend keeps the earlier code valid
  'resend_throttled', // no resend window
  'code_expires', // codes never expire
  'concurrent_verify_once', // check-then-set race: concurrent submits of one code can all succeed
] as const;
export type WeakenableControl = (typeof WEAKENABLE_CONTROLS)[number];

export interface CarrierOptions {
  /** Delivery delay is log-normal with this median and 95th percentile. */
  readonly delayMedianMs: number;
  readonly delayP95Ms: number;
  /** Probability a message is silently lost (the run sees sms_not_received). */
  readonly loss: number;
  /** Probability the carrier reports the message undelivered (status callback, error 30003). */
  readonly undelivered: number;
  /** Probability a message is delivered twice. */
  readonly duplicates: number;
  /** Destination prefixes the OTP service refuses to send to (geo permissions): 403 at send. */
  readonly blockedPrefixes: readonly string[];
}

export interface OtpServiceOptions {
  readonly ttlMs: number;
  readonly resendWindowMs: number;
  readonly maxAttempts: number;
  readonly codeLength: number;
  /** SMS text; `{{code}}` and `{{minutes}}` are replaced. */
  readonly template: string;
  readonly weaken: readonly WeakenableControl[];
}

/** Probabilities (0..1) of each fault on one endpoint group. */
export interface FaultRates {
  /** 503 with a JSON error body. */
  readonly error: number;
  /** 429 with Retry-After. */
  readonly rateLimit: number;
  /** The answer is held back by `slowMs` before it is sent. */
  readonly slow: number;
  /** The connection is destroyed without an answer. */
  readonly reset: number;
  /** 200 with a body that is not the JSON promised. */
  readonly malformed: number;
}

export interface FaultOptions {
  readonly send: FaultRates;
  readonly verify: FaultRates;
  readonly inbox: FaultRates;
  readonly slowMs: number;
  readonly retryAfterSeconds: number;
}

export interface WebhookPushOptions {
  /** Where inbound SMS are POSTed, in Twilio's inbound-SMS format. */
  readonly url: string;
  /** Signs X-Twilio-Signature. */
  readonly authToken: string;
}

export interface SandboxOptions {
  /** Listen port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly carrier: CarrierOptions;
  readonly otp: OtpServiceOptions;
  readonly faults: FaultOptions;
  /** When set, every delivered SMS is also pushed here. */
  readonly webhook?: WebhookPushOptions;
  /** Seed for the sandbox's random choices, so a scenario can be replayed. */
  readonly seed?: number;
}

const NO_FAULTS: FaultRates = { error: 0, rateLimit: 0, slow: 0, reset: 0, malformed: 0 };

export const DEFAULT_SANDBOX_OPTIONS: SandboxOptions = {
  port: 0,
  carrier: { delayMedianMs: 1_500, delayP95Ms: 5_000, loss: 0, undelivered: 0, duplicates: 0, blockedPrefixes: [] },
  otp: {
    ttlMs: 5 * 60_000,
    resendWindowMs: 30_000,
    maxAttempts: 5,
    codeLength: 6,
    template: 'Your otp-canary sandbox verification code is {{code}}. It expires in {{minutes}} minutes.',
    weaken: [],
  },
  faults: { send: NO_FAULTS, verify: NO_FAULTS, inbox: NO_FAULTS, slowMs: 5_000, retryAfterSeconds: 30 },
};
