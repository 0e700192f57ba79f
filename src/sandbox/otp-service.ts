// The reference OTP service: the "app under test". It enforces what a careful OTP system enforces
// (TTL, resend window, attempt lockout, single use, atomic verification) and drops any of those on
// request, so that otp-canary's control checks can be shown to catch each violation.

import { timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { VerifyResult } from './ground-truth.js';
import type { OtpServiceOptions, WeakenableControl } from './options.js';
import { randomDigits, type Random } from './random.js';

interface IssuedCode {
  readonly code: string;
  readonly requestId: string;
  /** Monotonic time of issue. */
  readonly issuedAt: number;
}

/** One phone's pending verification: the codes it will accept and how often it was guessed wrong. */
interface Verification {
  codes: IssuedCode[];
  wrongAttempts: number;
  lastSentAt: number;
}

/**
 * With concurrent_verify_once weakened, the time between finding a code valid and consuming it, like
 * the database round trip of a check-then-update app. One event-loop tick is too narrow: concurrent
 * HTTP submits reach the service over several loop turns, so they would rarely overlap.
 */
const RACE_WINDOW_MS = 25;

export type IssueOutcome =
  | { readonly kind: 'issued'; readonly requestId: string; readonly code: string; readonly expiresInSeconds: number }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

export interface VerifyOutcome {
  readonly result: VerifyResult;
  readonly requestId: string | null;
  readonly codeCorrect: boolean;
}

export class OtpService {
  readonly #verifications = new Map<string, Verification>();
  readonly #weakened: ReadonlySet<WeakenableControl>;

  constructor(
    private readonly options: OtpServiceOptions,
    private readonly codes: Random,
    private readonly newRequestId: () => string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#weakened = new Set(options.weaken);
  }

  issue(phone: string): IssueOutcome {
    const now = this.now();
    const current = this.#verifications.get(phone);
    if (current && this.#enforced('resend_throttled')) {
      const waitMs = current.lastSentAt + this.options.resendWindowMs - now;
      if (waitMs > 0) return { kind: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    }
    const issued: IssuedCode = { code: randomDigits(this.codes, this.options.codeLength), requestId: this.newRequestId(), issuedAt: now };
    const keepEarlier = current !== undefined && !this.#enforced('resend_invalidates_previous');
    // Every accepted send starts the lockout count again, as a new verification would; the resend
    // window is what stops a caller from resetting it at will.
    this.#verifications.set(phone, {
      codes: keepEarlier ? [...current.codes, issued] : [issued],
      wrongAttempts: 0,
      lastSentAt: now,
    });
    return { kind: 'issued', requestId: issued.requestId, code: issued.code, expiresInSeconds: Math.round(this.options.ttlMs / 1000) };
  }

  async verify(phone: string, code: string): Promise<VerifyOutcome> {
    const verification = this.#verifications.get(phone);
    const newest = verification?.codes.at(-1);
    if (!verification || !newest) return { result: 'no_pending_code', requestId: null, codeCorrect: false };
    const matching = verification.codes.find((issued) => sameCode(issued.code, code));
    const codeCorrect = matching !== undefined;
    const refusal = this.#refusal(verification, matching);
    if (refusal) return { result: refusal, requestId: (matching ?? newest).requestId, codeCorrect };

    const accepted = matching ?? newest; // only reached without a match when wrong codes are accepted
    if (this.#weakened.has('concurrent_verify_once')) await delay(RACE_WINDOW_MS); // the deliberate check-then-act gap
    if (this.#enforced('single_use')) this.#verifications.delete(phone);
    return { result: 'approved', requestId: accepted.requestId, codeCorrect };
  }

  /** Forgets every verification (POST /_sandbox/reset). */
  clear(): void {
    this.#verifications.clear();
  }

  smsBody(code: string): string {
    const minutes = String(Math.round(this.options.ttlMs / 60_000));
    return this.options.template.replaceAll('{{code}}', code).replaceAll('{{minutes}}', minutes);
  }

  #refusal(verification: Verification, matching: IssuedCode | undefined): VerifyResult | undefined {
    if (this.#enforced('max_attempts_lockout') && verification.wrongAttempts >= this.options.maxAttempts) return 'max_attempts';
    if (!matching) {
      if (!this.#enforced('wrong_code_rejected')) return undefined;
      verification.wrongAttempts++;
      return 'invalid_code';
    }
    if (this.#enforced('code_expires') && this.now() - matching.issuedAt > this.options.ttlMs) return 'expired';
    return undefined;
  }

  #enforced(control: WeakenableControl): boolean {
    return !this.#weakened.has(control);
  }
}

function sameCode(issued: string, submitted: string): boolean {
  const a = Buffer.from(issued);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
