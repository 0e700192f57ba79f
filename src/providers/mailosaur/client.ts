// One call to Mailosaur's REST API: HTTP Basic with the API key as the user name and no password, JSON
// both ways (`callJsonApi`).

import { farSideMessage, sanitize } from '../../http/answer.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { apiUrl, callJsonApi } from '../../http/json-api.js';

export const MAILOSAUR_BASE_URL = 'https://mailosaur.com';

export interface MailosaurConnection {
  readonly apiKey: string;
  /** `https://mailosaur.com` unless told otherwise (a proxy; a loopback fake in tests). */
  readonly baseUrl?: string;
}

export interface MailosaurRequest {
  readonly method: 'GET' | 'POST';
  /** e.g. `/api/messages/search`: appended to the base URL, whose own path is kept. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export function callMailosaur(connection: MailosaurConnection, req: MailosaurRequest): Promise<HttpAnswer | TransportFailure> {
  const { path, query, ...call } = req;
  return callJsonApi({
    ...call,
    url: apiUrl(connection.baseUrl ?? MAILOSAUR_BASE_URL, path, query),
    headers: { authorization: `Basic ${Buffer.from(`${connection.apiKey}:`).toString('base64')}` },
  });
}

/** What a refusal says, printable: a refused key is named as such; digit runs (numbers) in Mailosaur's words are masked. */
export function describeRefusal(answer: HttpAnswer, serverId: string): string {
  switch (answer.status) {
    case 401:
      return 'Mailosaur refused the API key (401): check apiKey / MAILOSAUR_API_KEY';
    case 403:
      return `Mailosaur refused the API key access to server "${serverId}" (403): check the key's permissions and that SMS is enabled on the account`;
    case 404:
      return `Mailosaur has no server "${serverId}" or message here (404)`;
    default: {
      const said = invalidParameters(answer.text) ?? farSideMessage(answer.text);
      return `Mailosaur answered ${answer.status}${said === undefined ? '' : `: "${sanitize(said, [])}"`}`;
    }
  }
}

/** The cause a refusal's error carries: status and masked message, never the request or the key. */
export function refusalCause(answer: HttpAnswer, serverId: string): Error {
  return new Error(describeRefusal(answer, serverId));
}

/** Mailosaur's 400 body: `{errors: [{field, detail: [{description}]}]}`. */
function invalidParameters(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const described = errors.flatMap((error: { field?: unknown; detail?: { description?: unknown }[] }) => {
    const description = Array.isArray(error?.detail) ? error.detail[0]?.description : undefined;
    return typeof description === 'string' ? [`(${String(error.field ?? '?')}) ${description}`] : [];
  });
  return described.length > 0 ? described.join('; ') : undefined;
}
