// The `twilio-verify` trigger and verifier: Twilio Verify v2 sends the code (CreateVerification),
// checks it (CreateVerificationCheck), and cancels a verification a failed run leaves pending
// (UpdateVerification), since pending ones count toward the number's send limit. Twilio's answers map
// onto the journey's failure reasons as docs/providers.md tabulates; the classification functions are
// exported so that table is tested.

import { maskNumber } from '../../core/mask.js';
import { StageError, type FailureReason } from '../../core/outcome.js';
import { systemClock, type Clock, type StageContext, type Trigger, type TriggerResult, type Verifier, type VerifyContext } from '../../core/providers.js';
import { isSuccess, stringField } from '../../http/json-api.js';
import { callTwilio, describeRefusal, readRefusal, refusalCause, type TwilioRefusal, type TwilioRestOptions } from './rest.js';

export const TWILIO_VERIFY_BASE_URL = 'https://verify.twilio.com';

export interface TwilioVerifyOptions extends Omit<TwilioRestOptions, 'baseUrl'> {
  /** The Verify Service (VA…) whose settings (code length, TTL, template) apply. */
  readonly serviceSid: string;
  readonly baseUrl?: string;
  /** Only `sms`: the journey reads the code from an SMS inbox. */
  readonly channel?: 'sms';
  /** Overrides the language Twilio picks from the number (e.g. `en`, `pt-BR`). */
  readonly locale?: string;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
}

/** Twilio codes that mean "too many", whatever HTTP status carried them. */
const SEND_LIMIT_CODES = new Set(['60203', '60212', '20429']); // max sends; concurrent requests; account concurrency
const CHECK_LIMIT_CODES = new Set(['60202', '20429']); // max check attempts; account concurrency

export function createTwilioVerifyTrigger(options: TwilioVerifyOptions): Trigger {
  const rest = restOptions(options);
  return {
    type: 'twilio-verify',
    async send(ctx: StageContext): Promise<TriggerResult> {
      const where = `twilio-verify send to ${maskNumber(ctx.number)}`;
      const form = { To: ctx.number, Channel: options.channel ?? 'sms', ...(options.locale !== undefined && { Locale: options.locale }) };
      const answer = await callTwilio(rest, { method: 'POST', path: servicePath(options, 'Verifications'), form, signal: ctx.signal });
      if (answer.kind === 'transport') throw new StageError('trigger_error', `${where}: ${answer.description}`, { cause: answer.cause });
      if (isSuccess(answer)) {
        const sid = stringField(answer, 'sid');
        if (sid === undefined) throw new StageError('trigger_error', `${where}: answered ${answer.status} without a verification sid`, { status: answer.status });
        return { reference: sid, release: (signal) => cancelVerification(rest, options, sid, signal) };
      }
      const refusal = readRefusal(answer, (options.clock ?? systemClock).wallNow());
      throw refusalError(classifySendRefusal(refusal), where, refusal);
    },
  };
}

export function createTwilioVerifyVerifier(options: TwilioVerifyOptions): Verifier {
  const rest = restOptions(options);
  return {
    type: 'twilio-verify',
    async verify(ctx: VerifyContext): Promise<void> {
      const where = `twilio-verify check for ${maskNumber(ctx.number)}`;
      const answer = await callTwilio(rest, { method: 'POST', path: servicePath(options, 'VerificationCheck'), form: { To: ctx.number, Code: ctx.code }, signal: ctx.signal });
      if (answer.kind === 'transport') throw new StageError('verify_error', `${where}: ${answer.description}`, { cause: answer.cause });
      if (isSuccess(answer)) {
        const status = stringField(answer, 'status');
        const reason = classifyCheckStatus(status);
        if (reason === undefined) return;
        throw new StageError(reason, `${where}: the code was not approved (verification status ${status ?? 'missing'})`, { status: answer.status });
      }
      const refusal = readRefusal(answer, (options.clock ?? systemClock).wallNow(), [ctx.code]);
      throw refusalError(classifyCheckRefusal(refusal), where, refusal);
    },
  };
}

/** 429 or a send-limit code → rate limited; other 4xx (60200 bad parameter, 60205 landline, 60410 Fraud Guard, 60605 geo, 20003 auth…) → rejected; 5xx → error. */
export function classifySendRefusal(refusal: Pick<TwilioRefusal, 'status' | 'code'>): FailureReason {
  if (refusal.status === 429 || (refusal.code !== undefined && SEND_LIMIT_CODES.has(refusal.code))) return 'trigger_rate_limited';
  if (refusal.status >= 400 && refusal.status < 500) return 'trigger_rejected';
  return 'trigger_error';
}

/**
 * 429 or a check-limit code → verify_rate_limited. 404 (Twilio 20404) → code_expired: Twilio deletes a
 * verification once it expires, is approved or reaches its maximum of checks. In a run the check follows
 * a send that Twilio accepted, lockout is announced by 60202 before the record goes, and a run submits
 * its code once, so the remaining cause is expiry (the code's TTL passed, e.g. a slow carrier).
 * Other 4xx (60200: the code is not 4–10 characters) → code_rejected; 5xx → verify_error.
 */
export function classifyCheckRefusal(refusal: Pick<TwilioRefusal, 'status' | 'code'>): FailureReason {
  if (refusal.status === 429 || (refusal.code !== undefined && CHECK_LIMIT_CODES.has(refusal.code))) return 'verify_rate_limited';
  if (refusal.status === 404) return 'code_expired';
  if (refusal.status >= 400 && refusal.status < 500) return 'code_rejected';
  return 'verify_error';
}

/**
 * A VerificationCheck answered 200: `approved` accepts the code (undefined); `pending` is Twilio's answer
 * to a wrong code; the terminal statuses name why the verification is over.
 */
export function classifyCheckStatus(status: string | undefined): FailureReason | undefined {
  switch (status) {
    case 'approved':
      return undefined;
    case 'expired':
      return 'code_expired';
    case 'max_attempts_reached':
      return 'verify_rate_limited';
    case 'pending':
    case 'canceled':
    case 'failed':
    case 'deleted':
      return 'code_rejected';
    default:
      return 'verify_error'; // no status, or one Twilio has not documented: not a refusal we can name
  }
}

/** Sets the verification's status to `canceled`; rejects, naming what Twilio answered, when it is not. */
async function cancelVerification(rest: TwilioRestOptions, options: TwilioVerifyOptions, sid: string, signal: AbortSignal): Promise<void> {
  const where = `twilio-verify cancel of verification ${sid}`;
  const path = `${servicePath(options, 'Verifications')}/${encodeURIComponent(sid)}`;
  const answer = await callTwilio(rest, { method: 'POST', path, form: { Status: 'canceled' }, signal });
  if (answer.kind === 'transport') throw new Error(`${where}: ${answer.description}`, { cause: answer.cause });
  if (!isSuccess(answer)) {
    const refusal = readRefusal(answer, (options.clock ?? systemClock).wallNow());
    throw new Error(`${where}: ${describeRefusal(refusal)}`, { cause: refusalCause(refusal) });
  }
}

function refusalError(reason: FailureReason, where: string, refusal: TwilioRefusal): StageError {
  return new StageError(reason, `${where}: ${describeRefusal(refusal)}`, {
    cause: refusalCause(refusal),
    status: refusal.status,
    ...(refusal.code !== undefined && { providerCode: refusal.code }),
    ...(refusal.status === 429 && refusal.retryAfterSeconds !== undefined && { retryAfterSeconds: refusal.retryAfterSeconds }),
  });
}

function restOptions(options: TwilioVerifyOptions): TwilioRestOptions {
  return { ...options, baseUrl: options.baseUrl ?? TWILIO_VERIFY_BASE_URL };
}

function servicePath(options: TwilioVerifyOptions, resource: 'Verifications' | 'VerificationCheck'): string {
  return `/v2/Services/${encodeURIComponent(options.serviceSid)}/${resource}`;
}
