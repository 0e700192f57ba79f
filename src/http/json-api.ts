// One call to a provider's REST API that answers JSON (the sandbox, Twilio, Vonage, MailSlurp,
// Mailosaur), and the reading of a 2xx body against the schema the provider documents. Transport is
// `exchange`, so deadlines and caller-abort semantics are the same everywhere; the provider brings its
// own auth headers and its own reading of a refusal.

import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { exchange, type HttpAnswer, type TransportFailure } from './exchange.js';

/**
 * The most of a provider's answer that is read. Far above the app-facing cap: a page of listed
 * resources is legitimately large (100 Twilio messages are ~100 KB, 1,000 incoming numbers ~2 MB),
 * yet a runaway answer still cannot take more than this.
 */
export const JSON_API_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface JsonApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Absolute, query included. */
  readonly url: string;
  /** The provider's authentication (`authorization`, `x-api-key`…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as application/json. */
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly dispatcher?: Dispatcher;
}

export function callJsonApi(req: JsonApiRequest): Promise<HttpAnswer | TransportFailure> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(req.form)).toString();
  }
  return exchange(
    { method: req.method, url: req.url, headers, ...(body !== undefined && { body }) },
    { timeoutMs: req.timeoutMs, signal: req.signal, maxBodyBytes: JSON_API_MAX_BODY_BYTES, ...(req.dispatcher && { dispatcher: req.dispatcher }) },
  );
}

/**
 * `path` (e.g. `/waitForSms`) and the query appended to the base URL, whose own path is kept: a base of
 * `https://proxy.example/mailslurp/` gives `https://proxy.example/mailslurp/waitForSms`.
 */
export function apiUrl(baseUrl: string, path: string, query?: Readonly<Record<string, string>>): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}${query === undefined ? '' : `?${new URLSearchParams(query).toString()}`}`;
}

export function isSuccess(answer: HttpAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/** A string field of the answer's JSON object body, if there is one. */
export function stringField(answer: HttpAnswer, field: string): string | undefined {
  try {
    const value = (JSON.parse(answer.text) as Record<string, unknown> | null)?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly cause: unknown };

/** The answer's body as `schema` promises it, or why not (too large, not JSON, wrong shape). */
export function parseBody<T extends z.ZodType>(answer: HttpAnswer, schema: T): Parsed<z.output<T>> {
  if (answer.truncated) return { ok: false, cause: new Error(`the body is larger than ${JSON_API_MAX_BODY_BYTES} bytes; reading stopped there`) };
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch (error) {
    return { ok: false, cause: error };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, cause: parsed.error };
}
