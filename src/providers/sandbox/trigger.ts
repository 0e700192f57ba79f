// The sandbox trigger: asks the reference OTP service to send a code, and watches the send's status so
// the journey hears about an undelivered SMS as soon as the carrier reports it.

import { z } from 'zod';
import { maskNumber } from '../../core/mask.js';
import { StageError } from '../../core/outcome.js';
import { systemClock, type Clock, type DeliveryFailure, type StageContext, type Trigger, type TriggerResult } from '../../core/providers.js';
import { parseBody } from '../../http/json-api.js';
import { answerError, callSandbox, errorName, isServerSide, retryAfterSeconds } from './client.js';

export interface SandboxTriggerOptions {
  /** The sandbox's URL, e.g. http://127.0.0.1:8025. */
  readonly baseUrl: string;
  /** Deadline of the send request. */
  readonly timeoutMs: number;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
}

/** How long one status long-poll is held by the sandbox. */
const STATUS_POLL_MS = 25_000;

const sendAnswer = z.object({ requestId: z.string().min(1), expiresInSeconds: z.number().nonnegative() });
const statusAnswer = z.object({
  status: z.enum(['queued', 'sent', 'delivered', 'undelivered', 'failed']),
  errorCode: z.string().optional(),
});

export function createSandboxTrigger(options: SandboxTriggerOptions): Trigger {
  return {
    type: 'sandbox',
    async send(ctx: StageContext): Promise<TriggerResult> {
      const where = `sandbox send to ${maskNumber(ctx.number)}`;
      const answer = await callSandbox(options.baseUrl, {
        method: 'POST', path: '/api/otp/send', json: { phone: ctx.number }, timeoutMs: options.timeoutMs, signal: ctx.signal,
      });
      if (answer.kind === 'transport') throw new StageError('trigger_error', `${where}: ${answer.description}`, { cause: answer.cause });
      const { status } = answer;
      if (status === 429) {
        const retryAfter = retryAfterSeconds(answer, options.clock ?? systemClock);
        throw new StageError('trigger_rate_limited', `${where}: rate limited (${errorName(answer) ?? status})`, {
          cause: answerError(answer), status, ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
        });
      }
      if (!isServerSide(status)) {
        throw new StageError('trigger_rejected', `${where}: refused with ${status} (${errorName(answer) ?? 'no error name'})`, { cause: answerError(answer), status });
      }
      if (status !== 200) throw new StageError('trigger_error', `${where}: the sandbox answered ${status}`, { cause: answerError(answer), status });
      const parsed = parseBody(answer, sendAnswer);
      if (!parsed.ok) throw new StageError('trigger_error', `${where}: the answer is not the promised JSON`, { cause: parsed.cause, status });
      const { requestId, expiresInSeconds } = parsed.value;
      return { reference: requestId, deliveryFailure: watchDeliveryFailure(options, requestId, expiresInSeconds * 1000, ctx.signal) };
    },
  };
}

/**
 * Settles only if the sandbox reports the SMS undelivered or failed. Watching ends without settling
 * when the SMS is delivered, when the code expires (a failure after that no longer matters), when the
 * caller's signal aborts, or when the status cannot be read.
 */
function watchDeliveryFailure(options: SandboxTriggerOptions, requestId: string, watchMs: number, signal: AbortSignal): Promise<DeliveryFailure> {
  const watch = AbortSignal.any([signal, AbortSignal.timeout(Math.max(watchMs, 1))]);
  const path = `/api/otp/requests/${encodeURIComponent(requestId)}?waitFor=final&timeout=${STATUS_POLL_MS}`;
  return new Promise((resolve) => {
    const poll = async (): Promise<void> => {
      while (!watch.aborted) {
        const answer = await callSandbox(options.baseUrl, { method: 'GET', path, timeoutMs: STATUS_POLL_MS + options.timeoutMs, signal: watch });
        if (answer.kind === 'transport' || answer.status !== 200) return;
        const parsed = parseBody(answer, statusAnswer);
        if (!parsed.ok) return;
        const { status, errorCode } = parsed.value;
        if (status === 'undelivered' || status === 'failed') return resolve({ status, ...(errorCode !== undefined && { errorCode }) });
        if (status === 'delivered') return;
      }
    };
    poll().catch(() => undefined); // an aborted watch rejects with the signal's reason: nothing to report
  });
}
