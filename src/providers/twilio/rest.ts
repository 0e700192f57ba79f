// One call to Twilio's REST API (Verify v2 and the 2010-04-01 API share its conventions): HTTP Basic
// auth, form-encoded bodies, JSON answers (`callJsonApi`), and errors as `{code, message, more_info, status}`.

import type { Dispatcher } from 'undici';
import { farSideMessage, parseRetryAfter, providerCodeOf, sanitize } from '../../http/answer.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { callJsonApi } from '../../http/json-api.js';

/**
 * Who the requests are made as: the account SID and its auth token, or an API key (SK…) and its secret
 * (Twilio's recommendation: revocable, and the auth token stays out of the probe). The account SID is
 * needed either way, since 2010-04-01 paths name the account.
 */
export interface TwilioCredentials {
  readonly accountSid: string;
  readonly authToken?: string;
  readonly apiKey?: { readonly sid: string; readonly secret: string };
}

export interface TwilioRestOptions {
  readonly credentials: TwilioCredentials;
  /** `https://verify.twilio.com` or `https://api.twilio.com`, or a regional edge; tests point it at a fake. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

export interface TwilioRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/v2/Services/VA…/Verifications`; or a page URI Twilio handed back. */
  readonly path: string;
  readonly form?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export async function callTwilio(options: TwilioRestOptions, req: TwilioRequest): Promise<HttpAnswer | TransportFailure> {
  return callJsonApi({
    method: req.method,
    url: sameOriginUrl(req.path, options.baseUrl),
    headers: { authorization: basicAuth(options.credentials) },
    ...(req.form !== undefined && { form: req.form }),
    timeoutMs: options.timeoutMs,
    signal: req.signal,
    ...(options.dispatcher && { dispatcher: options.dispatcher }),
  });
}

function basicAuth({ accountSid, authToken, apiKey }: TwilioCredentials): string {
  const [user, password] = apiKey ? [apiKey.sid, apiKey.secret] : [accountSid, authToken ?? ''];
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * Page URIs come back relative to the API host. An absolute one pointing elsewhere is refused, so the
 * credentials are only ever sent to the configured base URL.
 */
function sameOriginUrl(path: string, baseUrl: string): string {
  const base = new URL(baseUrl);
  const url = new URL(path, base);
  if (url.origin !== base.origin) throw new Error(`Twilio handed back a URI on another host (${url.origin}); expected ${base.origin}`);
  return url.toString();
}

/** What a Twilio error answer says: its numeric code, its message, and Retry-After on a 429. */
export interface TwilioRefusal {
  readonly status: number;
  /** Twilio's error code (e.g. `60203`), kept as the run's providerCode. */
  readonly code?: string;
  readonly message?: string;
  readonly retryAfterSeconds?: number;
}

/**
 * Twilio's messages may quote what they refused (`Invalid parameter To: +1…`): numbers and digit runs
 * are masked, and so are `secrets`, values the request carried (the code).
 */
export function readRefusal(answer: HttpAnswer, now: Date, secrets: readonly string[] = []): TwilioRefusal {
  const code = providerCodeOf(answer.text);
  const said = farSideMessage(answer.text);
  const retryAfterSeconds = parseRetryAfter(answer.headers['retry-after'], now);
  return {
    status: answer.status,
    ...(code !== undefined && { code }),
    ...(said !== undefined && { message: sanitize(said, secrets) }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  };
}

/** `answered 429 (Twilio error 60203: Max send attempts reached)`. */
export function describeRefusal(refusal: TwilioRefusal): string {
  const detail = [refusal.code && `Twilio error ${refusal.code}`, refusal.message].filter(Boolean).join(': ');
  return `answered ${refusal.status}${detail ? ` (${detail})` : ''}`;
}

/** The cause a StageError carries for a refusal: status, code and message, never the request. */
export function refusalCause(refusal: TwilioRefusal): Error {
  return new Error(`Twilio ${describeRefusal(refusal)}`);
}
