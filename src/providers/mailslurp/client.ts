// One call to MailSlurp's REST API: the key in the `x-api-key` header, JSON both ways (`callJsonApi`);
// what a refusal means is the caller's business (an inbox and a provisioner name it differently).

import { farSideMessage, sanitize } from '../../http/answer.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { apiUrl, callJsonApi } from '../../http/json-api.js';

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
  const { path, query, ...call } = req;
  return callJsonApi({
    ...call,
    url: apiUrl(connection.baseUrl ?? MAILSLURP_BASE_URL, path, query),
    headers: { 'x-api-key': connection.apiKey },
  });
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
