// The sandbox verifier: submits a code to the reference OTP service and names its refusal.

import { maskNumber } from '../../core/mask.js';
import { StageError, type FailureReason } from '../../core/outcome.js';
import { systemClock, type Clock, type Verifier, type VerifyContext } from '../../core/providers.js';
import { z } from 'zod';
import { parseBody } from '../../http/json-api.js';
import { answerError, callSandbox, errorName, isServerSide, retryAfterSeconds } from './client.js';

export interface SandboxVerifierOptions {
  readonly baseUrl: string;
  /** Deadline of the verify request. */
  readonly timeoutMs: number;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
}

const approvedAnswer = z.object({ status: z.literal('approved') });

export function createSandboxVerifier(options: SandboxVerifierOptions): Verifier {
  return {
    type: 'sandbox',
    async verify(ctx: VerifyContext): Promise<void> {
      const where = `sandbox verify for ${maskNumber(ctx.number)}`;
      const answer = await callSandbox(options.baseUrl, {
        method: 'POST', path: '/api/otp/verify', json: { phone: ctx.number, code: ctx.code }, timeoutMs: options.timeoutMs, signal: ctx.signal,
      });
      if (answer.kind === 'transport') throw new StageError('verify_error', `${where}: ${answer.description}`, { cause: answer.cause });
      const { status } = answer;
      if (status === 200) {
        const parsed = parseBody(answer, approvedAnswer);
        if (parsed.ok) return;
        throw new StageError('verify_error', `${where}: the answer is not the promised JSON`, { cause: parsed.cause, status });
      }
      const reason = refusalReason(status);
      const retryAfter = status === 429 ? retryAfterSeconds(answer, options.clock ?? systemClock) : undefined;
      throw new StageError(reason, `${where}: refused with ${status} (${errorName(answer) ?? 'no error name'})`, {
        cause: answerError(answer), status, ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }),
      });
    },
  };
}

function refusalReason(status: number): FailureReason {
  if (isServerSide(status)) return 'verify_error';
  if (status === 410) return 'code_expired';
  if (status === 429) return 'verify_rate_limited';
  return 'code_rejected';
}
