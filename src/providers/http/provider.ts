// The `http` trigger and verifier: the team's own app, called with a templated request. Each answer is
// classified onto one FailureReason; messages name the method, the URL's origin and path (never the
// query, which may hold keys), the status and the app's own error message, with the number and code
// masked out.

import type { Dispatcher } from 'undici';
import { redact } from '../../core/mask.js';
import { StageError, type FailureReason } from '../../core/outcome.js';
import { systemClock, type Clock, type StageContext, type Trigger, type TriggerResult, type Verifier, type VerifyContext } from '../../core/providers.js';
import { farSideMessage, parseRetryAfter, providerCodeOf, sanitize, saysExpired } from '../../http/answer.js';
import { exchange, type HttpAnswer } from '../../http/exchange.js';
import { checkExpectation, type ExpectationCheck, type HttpExpectation } from './expectation.js';
import { renderRequest, validateRequestTemplate, type HttpRequestTemplate, type TemplateValues } from './template.js';

export interface HttpStageOptions {
  readonly request: HttpRequestTemplate;
  readonly expect?: HttpExpectation;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
  readonly maxBodyBytes?: number;
}

export function createHttpTrigger(options: HttpStageOptions): Trigger {
  validateRequestTemplate(options.request, ['number'], 'trigger.request');
  return {
    type: 'http',
    async send(ctx: StageContext): Promise<TriggerResult> {
      const { answer, check, target, secrets } = await call(options, { number: ctx.number }, ctx.signal, 'trigger_error');
      if (check.met) return {};
      throw answerError(classifyTriggerAnswer(answer), target, answer, check, secrets, options);
    },
  };
}

export function createHttpVerifier(options: HttpStageOptions): Verifier {
  validateRequestTemplate(options.request, ['number', 'code'], 'verify.request');
  return {
    type: 'http',
    async verify(ctx: VerifyContext): Promise<void> {
      const { answer, check, target, secrets } = await call(options, { number: ctx.number, code: ctx.code }, ctx.signal, 'verify_error');
      if (check.met) return;
      throw answerError(classifyVerifyAnswer(answer, check), target, answer, check, secrets, options);
    },
  };
}

/**
 * A send that answered 2xx but failed the JSON expectation is `trigger_error`, not `trigger_rejected`:
 * send endpoints state refusals (bad number, blocked country) with a 4xx, so a success status with an
 * unexpected body is an unexplained malfunction of the app, not a refusal it stated. Verify differs:
 * `200 {"valid": false}` is the usual way a verify endpoint refuses a code (see classifyVerifyAnswer).
 */
export function classifyTriggerAnswer(answer: { status: number }): FailureReason {
  if (answer.status === 429) return 'trigger_rate_limited';
  if (answer.status >= 400 && answer.status < 500) return 'trigger_rejected';
  return 'trigger_error';
}

export function classifyVerifyAnswer(answer: { status: number; text: string }, check: Extract<ExpectationCheck, { met: false }>): FailureReason {
  if (answer.status === 429) return 'verify_rate_limited';
  if (answer.status === 410) return 'code_expired';
  const refusal = (answer.status >= 400 && answer.status < 500) || (check.statusMet && answer.status < 300);
  if (refusal) return saysExpired(answer.text) ? 'code_expired' : 'code_rejected';
  return 'verify_error';
}

interface Call {
  readonly answer: HttpAnswer;
  readonly check: ExpectationCheck;
  readonly target: string;
  readonly secrets: readonly string[];
}

async function call(options: HttpStageOptions, values: TemplateValues, signal: AbortSignal, transportReason: FailureReason): Promise<Call> {
  const rendered = renderRequest(options.request, values);
  const secrets = secretsOf(values);
  const url = new URL(rendered.url);
  const target = redact(`${rendered.method} ${url.origin}${url.pathname}`, secrets);
  const result = await exchange(rendered, {
    timeoutMs: options.timeoutMs,
    signal,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  if (result.kind === 'transport') throw new StageError(transportReason, `${target} ${result.description}`, { cause: result.cause });
  return { answer: result, check: checkExpectation(result, options.expect ?? {}), target, secrets };
}

function answerError(
  reason: FailureReason,
  target: string,
  answer: HttpAnswer,
  check: Extract<ExpectationCheck, { met: false }>,
  secrets: readonly string[],
  options: HttpStageOptions,
): StageError {
  // An app may echo the submitted code in a `code` field: that is not a provider code to keep.
  const found = providerCodeOf(answer.text);
  const providerCode = found !== undefined && !secrets.includes(found) ? found : undefined;
  const retryAfterSeconds = answer.status === 429 ? parseRetryAfter(answer.headers['retry-after'], (options.clock ?? systemClock).wallNow()) : undefined;
  const said = farSideMessage(answer.text);
  const message =
    `${target} answered ${answer.status}` +
    (providerCode === undefined ? '' : ` (provider code ${sanitize(providerCode, secrets)})`) +
    `; ${check.why}` +
    (said === undefined ? '' : `: "${sanitize(said, secrets)}"`);
  return new StageError(reason, message, {
    status: answer.status,
    ...(providerCode === undefined ? {} : { providerCode }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

function secretsOf(values: TemplateValues): string[] {
  const number = values.number;
  return [number, encodeURIComponent(number), number.replace(/^\+/, ''), ...(values.code === undefined ? [] : [values.code])];
}
