// One call to MailSlurp's REST API: the key in the `x-api-key` header, JSON both ways. Transport is the
// http provider's `exchange`, so deadlines and caller-abort semantics are the same as everywhere else;
// what a refusal means is the caller's business (an inbox and a provisioner name it differently).

import { farSideMessage } from '../http/answer.js';
import { exchange, type HttpAnswer, type TransportFailure } from '../http/exchange.js';
import { sanitize } from '../http/provider.js';

export const MAILSLURP_BASE_URL = 'https://api.mailslurp.com';

export interface MailSlurpConnection {
  readonly apiKey: string;
  /** `https://api.mailslurp.com` unless told otherwise (a proxy; a loopback fake in tests). */
  readonly baseUrl?: string;
}

export interface MailSlurpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** e.g. `/waitForSms`, `/phone/numbers/{id}`: appended to the base URL, whose own path is kept. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export function callMailSlurp(connection: MailSlurpConnection, req: MailSlurpRequest): Promise<HttpAnswer | TransportFailure> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-api-key': connection.apiKey };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  const query = req.query === undefined ? '' : `?${new URLSearchParams(req.query)}`;
  const base = (connection.baseUrl ?? MAILSLURP_BASE_URL).replace(/\/+$/, '');
  return exchange(
    { method: req.method, url: `${base}${req.path}${query}`, headers, ...(req.json !== undefined && { body: JSON.stringify(req.json) }) },
    { timeoutMs: req.timeoutMs, signal: req.signal },
  );
}

/**
 * What a refusal says, printable: a refused key is named as such, anything else quotes MailSlurp's
 * own message with digit runs (phone numbers) masked.
 */
export function describeRefusal(answer: HttpAnswer): string {
  if (answer.status === 401 || answer.status === 403) {
    return `MailSlurp refused the API key (${answer.status}): check apiKey / MAILSLURP_API_KEY`;
  }
  const said = farSideMessage(answer.text);
  return `MailSlurp answered ${answer.status}${said === undefined ? '' : `: "${sanitize(said, [])}"`}`;
}

/** The cause a refusal's error carries: status and masked message, never the request or the key. */
export function refusalCause(answer: HttpAnswer): Error {
  return new Error(describeRefusal(answer));
}

export function isSuccess(answer: HttpAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

