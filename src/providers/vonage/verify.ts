// Vonage Verify v2 as the `vonage-verify` trigger and verifier:
//   POST /v2/verify               { brand, workflow: [{ channel: "sms", to }], … } → 202 { request_id }
//   POST /v2/verify/{request_id}  { code }                                          → 200 { status: "completed" }
// Authenticated with HTTP Basic (API key and secret), which Verify v2 accepts for these synchronous
// calls; JWT is only required to receive Verify's status callbacks, which otp-canary does not use.
//
// Vonage holds the code, so the check must name the request the send started, and the Trigger and
// Verifier interfaces carry nothing from one stage to the next. The two are therefore made together
// and share the latest request id per number. The number's lease guarantees one run per number at a
// time, so the latest request is the running journey's own. The id stays after a check, so a second
// submission of the same code (the single_use control) reaches Vonage and is refused there.

import type { Dispatcher } from 'undici';
import { secretsOf } from '../../core/journey.js';
import { maskNumber } from '../../core/mask.js';
import { StageError, type FailureReason } from '../../core/outcome.js';
import { systemClock, type Clock, type StageContext, type Trigger, type TriggerResult, type Verifier, type VerifyContext } from '../../core/providers.js';
import type { HttpAnswer } from '../../http/exchange.js';
import { apiUrl, callJsonApi, isSuccess, stringField } from '../../http/json-api.js';
import { problemError } from './problem.js';

export const VONAGE_API_URL = 'https://api.nexmo.com';

export interface VonageVerifyOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Names the sender in the SMS ("Your <brand> code is …"); 1–18 characters. */
  readonly brand: string;
  /** Defaults to https://api.nexmo.com; a regional host, or a test server. */
  readonly baseUrl?: string;
  /** Language of the SMS, e.g. `en-us` (Vonage's default), `fr-fr`. */
  readonly locale?: string;
  /** Digits in the code, 4–10 (Vonage's default 4). */
  readonly codeLength?: number;
  /** Seconds the request stays open on the SMS channel, 15–900 (Vonage's default 180). */
  readonly channelTimeoutSeconds?: number;
  /** Deadline of each HTTP call. */
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
}

export interface VonageVerify {
  readonly trigger: Trigger;
  readonly verifier: Verifier;
}

/** The request body of `POST /v2/verify`: an SMS-only workflow to the number, without its `+`. */
export function startVerificationBody(options: Pick<VonageVerifyOptions, 'brand' | 'locale' | 'codeLength' | 'channelTimeoutSeconds'>, number: string) {
  return {
    brand: options.brand,
    workflow: [{ channel: 'sms', to: number.replace(/^\+/, '') }],
    ...(options.locale !== undefined && { locale: options.locale }),
    ...(options.codeLength !== undefined && { code_length: options.codeLength }),
    ...(options.channelTimeoutSeconds !== undefined && { channel_timeout: options.channelTimeoutSeconds }),
  };
}

export function createVonageVerify(options: VonageVerifyOptions): VonageVerify {
  const latestRequest = new Map<string, string>();
  const base = (options.baseUrl ?? VONAGE_API_URL).replace(/\/+$/, '');
  // Messages name the host and path only, never a userinfo part of the URL.
  const { origin, pathname } = new URL(base);
  const shownBase = `${origin}${pathname.replace(/\/+$/, '')}`;
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;
  const now = () => (options.clock ?? systemClock).wallNow();

  async function post(path: string, json: object, ctx: StageContext, transportReason: FailureReason): Promise<{ answer: HttpAnswer; target: string }> {
    const target = `POST ${shownBase}${path}`;
    const result = await callJsonApi({
      method: 'POST',
      url: apiUrl(base, path),
      headers: { authorization },
      json,
      timeoutMs: options.timeoutMs,
      signal: ctx.signal,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
    if (result.kind === 'transport') throw new StageError(transportReason, `${target} ${result.description}`, { cause: result.cause });
    return { answer: result, target };
  }

  const trigger: Trigger = {
    type: 'vonage-verify',
    async send(ctx: StageContext): Promise<TriggerResult> {
      const { answer, target } = await post('/v2/verify', startVerificationBody(options, ctx.number), ctx, 'trigger_error');
      if (!isSuccess(answer)) throw problemError(classifyStartAnswer(answer.status), target, answer, secretsOf(ctx.number), now());
      const requestId = stringField(answer, 'request_id');
      if (!requestId) throw new StageError('trigger_error', `${target} answered ${answer.status} without a request_id`, { status: answer.status });
      latestRequest.set(ctx.number, requestId);
      return { reference: requestId };
    },
  };

  const verifier: Verifier = {
    type: 'vonage-verify',
    async verify(ctx: VerifyContext): Promise<void> {
      const requestId = latestRequest.get(ctx.number);
      if (requestId === undefined) {
        throw new StageError('internal_error', `no Vonage Verify request was started for ${maskNumber(ctx.number)}: the vonage-verify verifier needs the vonage-verify trigger of the same check`);
      }
      const { answer, target } = await post(`/v2/verify/${encodeURIComponent(requestId)}`, { code: ctx.code }, ctx, 'verify_error');
      const secrets = [...secretsOf(ctx.number), ctx.code];
      if (!isSuccess(answer)) throw problemError(classifyCheckAnswer(answer.status), target, answer, secrets, now());
      const status = stringField(answer, 'status');
      if (status !== 'completed') {
        throw new StageError('verify_error', `${target} answered ${answer.status} with status ${status ? JSON.stringify(status.slice(0, 40)) : '(none)'}, not "completed"`, { status: answer.status });
      }
    },
  };

  return { trigger, verifier };
}

/**
 * 409 `concurrent` ("Concurrent verifications to the same number are not allowed") is a limit, not a
 * refusal of the number: it clears by itself once the request in flight completes, fails or expires,
 * as a rate limit does. Any other 4xx (401 credentials, 402 balance, 422 invalid or blocked number,
 * brand or parameter) is a refusal that waiting will not fix.
 */
export function classifyStartAnswer(status: number): FailureReason {
  if (status === 429 || status === 409) return 'trigger_rate_limited';
  if (status >= 400 && status < 500) return 'trigger_rejected';
  return 'trigger_error';
}

/**
 * 400 `invalid-code`: the code does not match. 404 `request-not-found`: the request is over (it timed
 * out, or a code already completed it), so the code came too late. 410: "an incorrect code has been
 * provided too many times, workflow terminated": the lockout after the maximum of check attempts.
 * Other 4xx (401, 402, 409 `no-code`) refused the call without judging the code.
 */
export function classifyCheckAnswer(status: number): FailureReason {
  if (status === 400) return 'code_rejected';
  if (status === 404) return 'code_expired';
  if (status === 410 || status === 429) return 'verify_rate_limited';
  return 'verify_error';
}

