// One call to the sandbox's JSON API, and the reading of its answers that the three sandbox providers
// share. Transport is the http provider's `exchange`: same deadlines, same caller-abort semantics.

import type { z } from 'zod';
import { parseRetryAfter } from '../http/answer.js';
import { exchange, type HttpAnswer, type TransportFailure } from '../http/exchange.js';

export interface SandboxCall {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/api/otp/send`. */
  readonly path: string;
  readonly json?: unknown;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export function callSandbox(baseUrl: string, call: SandboxCall): Promise<HttpAnswer | TransportFailure> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.json !== undefined) headers['content-type'] = 'application/json';
  return exchange(
    {
      method: call.method,
      url: new URL(call.path, baseUrl).toString(),
      headers,
      ...(call.json !== undefined && { body: JSON.stringify(call.json) }),
    },
    { timeoutMs: call.timeoutMs, signal: call.signal },
  );
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly cause: unknown };

/** The answer's body as `schema` promises it, or why not (not JSON, wrong shape). */
export function parseBody<T extends z.ZodType>(answer: HttpAnswer, schema: T): Parsed<z.output<T>> {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch (error) {
    return { ok: false, cause: error };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, cause: parsed.error };
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

export function retryAfterSeconds(answer: HttpAnswer): number | undefined {
  return parseRetryAfter(answer.headers['retry-after'], new Date());
}

export function isServerSide(status: number): boolean {
  return status >= 500 || status < 400;
}
