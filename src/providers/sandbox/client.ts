// One call to the sandbox's JSON API (`callJsonApi`), and the reading of its answers that the three
// sandbox providers share.

import type { Clock } from '../../core/providers.js';
import { parseRetryAfter } from '../../http/answer.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { callJsonApi } from '../../http/json-api.js';

export interface SandboxCall {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/api/otp/send`. */
  readonly path: string;
  readonly json?: unknown;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export function callSandbox(baseUrl: string, call: SandboxCall): Promise<HttpAnswer | TransportFailure> {
  const { path, ...request } = call;
  return callJsonApi({ ...request, url: new URL(path, baseUrl).toString() });
}

/** The cause attached to a refusal: status and body, which never hold a code or a full number. */
export function answerError(answer: HttpAnswer): Error {
  return new Error(`sandbox answered ${answer.status}: ${answer.text.slice(0, 200)}`);
}

/** The sandbox's own error name (`blocked_destination`, `invalid_code`…), when the body has one. */
export function errorName(answer: HttpAnswer): string | undefined {
  try {
    const json: unknown = JSON.parse(answer.text);
    const error = (json as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}

export function retryAfterSeconds(answer: HttpAnswer, clock: Clock): number | undefined {
  return parseRetryAfter(answer.headers['retry-after'], clock.wallNow());
}

export function isServerSide(status: number): boolean {
  return status >= 500 || status < 400;
}
