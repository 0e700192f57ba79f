// One HTTP round trip to a far side (the app under test, a provider's API, Prometheus), with a hard deadline and a capped body read. Transport
// failures come back as values, so each stage can name them with its own FailureReason; a call that
// failed because this process ran out of file descriptors, memory, disk or local ports is no transport
// failure of the far side's, and is thrown as `internal_error` (own-exhaustion.ts), for every caller alike.

import { request, type Dispatcher } from 'undici';
import { exhaustedOwnResource, ownExhaustionError } from './own-exhaustion.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ExchangeOptions {
  readonly timeoutMs: number;
  /** The caller's signal (run timeout, shutdown): its abort is rethrown as is, never classified. */
  readonly signal: AbortSignal;
  readonly dispatcher?: Dispatcher;
  readonly maxBodyBytes?: number;
}

export interface HttpAnswer {
  readonly kind: 'answer';
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body was longer than maxBodyBytes and was cut there. */
  readonly truncated: boolean;
}

export interface TransportFailure {
  readonly kind: 'transport';
  /** `timed out after 5000 ms`, `connection refused`, `connection reset`… */
  readonly description: string;
  readonly cause: unknown;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export async function exchange(req: HttpRequest, options: ExchangeOptions): Promise<HttpAnswer | TransportFailure> {
  options.signal.throwIfAborted();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined && { body: req.body }),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: AbortSignal.any([options.signal, deadline]),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBodyBytes) {
        truncated = true;
        response.body.destroy();
        break;
      }
    }
    const text = Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8');
    return { kind: 'answer', status: response.statusCode, headers: flattenHeaders(response.headers), text, truncated };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const exhausted = exhaustedOwnResource(error);
    if (exhausted !== undefined) throw ownExhaustionError(exhausted, req.url, error);
    return { kind: 'transport', description: describeTransportError(error, deadline.aborted, options.timeoutMs), cause: error };
  }
}

function describeTransportError(error: unknown, deadlinePassed: boolean, timeoutMs: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (deadlinePassed || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `timed out after ${timeoutMs} ms`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not resolved';
    default:
      return typeof code === 'string' ? `request failed (${code})` : 'request failed';
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
