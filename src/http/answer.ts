// Reading what a far side's HTTP answer says: Retry-After, a provider error code, a short human message
// made safe to print, and whether a refusal says "expired". Pure functions over the answer's text.

import { scrub } from '../core/mask.js';

/** Retry-After as whole seconds from `now`; both forms of RFC 9110 (delta-seconds and HTTP-date). */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * A provider's own error code from the common error bodies: Twilio `{code, message, more_info}`,
 * `{error: {code}}`, `{error_code}` / `{errorCode}`.
 */
export function providerCodeOf(text: string): string | undefined {
  const json = parseJson(text);
  if (!isRecord(json)) return undefined;
  const error = isRecord(json.error) ? json.error : undefined;
  for (const candidate of [json.code, error?.code, json.error_code, json.errorCode]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) return String(candidate);
    if (typeof candidate === 'string' && /^[\w.-]{1,40}$/.test(candidate)) return candidate;
  }
  return undefined;
}

/** The far side's own explanation, from the fields error bodies conventionally use; not the raw body. */
export function farSideMessage(text: string): string | undefined {
  const json = parseJson(text);
  return errorTexts(json).find((t) => t.trim() !== '');
}

/**
 * Whether a refusal says the code expired. Heuristic, deliberately narrow: the word "expired" as a
 * whole token (so `code_expired`, `OTP_EXPIRED`, "Code has expired" count; "expires in 5 minutes"
 * and `expires_at` do not) in the fields error bodies use for their verdict (error, code, status,
 * message, reason, detail, title and their nested error objects), or in a short plain-text body.
 * Other JSON fields are not read, because an app may echo request data or timestamps there.
 */
export function saysExpired(text: string): boolean {
  const json = parseJson(text);
  const candidates = json === undefined ? (text.length <= 200 && !text.trimStart().startsWith('<') ? [text] : []) : errorTexts(json);
  return candidates.some((candidate) => candidate.split(/[^A-Za-z]+/).some((token) => token.toLowerCase() === 'expired'));
}

// Most explanatory first: farSideMessage reports the first one present.
const VERDICT_FIELDS = ['message', 'error_description', 'detail', 'title', 'reason', 'error', 'error_code', 'errorCode', 'code', 'status'];

function errorTexts(json: unknown, depth = 0): string[] {
  if (!isRecord(json) || depth > 2) return [];
  const texts: string[] = [];
  for (const field of VERDICT_FIELDS) {
    const value = json[field];
    if (typeof value === 'string') texts.push(value);
    else if (isRecord(value)) texts.push(...errorTexts(value, depth + 1));
  }
  if (Array.isArray(json.errors)) for (const item of json.errors.slice(0, 5)) texts.push(...errorTexts(item, depth + 1));
  return texts;
}

const MAX_MESSAGE_CHARS = 160;

/**
 * The far side's words, made safe to print (see scrub: the number and code masked, any other run of six
 * or more digits too, URL credentials and query values), on one line and shortened.
 */
export function sanitize(text: string, secrets: readonly string[]): string {
  const oneLine = scrub(text.slice(0, 4 * MAX_MESSAGE_CHARS), secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS - 1)}…` : oneLine;
}

/** The text's JSON value; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
