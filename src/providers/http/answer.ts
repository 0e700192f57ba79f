// Reading what an app's HTTP answer says: the expectation a check declares (status, JSON fields),
// Retry-After, a provider error code, a short human message, and whether a refusal says "expired".
// Pure functions over the answer.

import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from './template.js';

export interface HttpExpectation {
  /** Accepted statuses; absent means any 2xx. */
  readonly status?: number | readonly number[];
  /** Dot paths into the JSON body (`data.valid`, `items.0.id`) and the value each must equal. */
  readonly json?: Readonly<Record<string, JsonValue>>;
}

export interface AnswerBody {
  readonly status: number;
  readonly text: string;
  readonly truncated: boolean;
}

export type ExpectationCheck = { readonly met: true } | { readonly met: false; readonly statusMet: boolean; readonly why: string };

export function checkExpectation(answer: AnswerBody, expect: HttpExpectation): ExpectationCheck {
  const statuses = expect.status === undefined ? undefined : [expect.status].flat();
  const statusMet = statuses === undefined ? answer.status >= 200 && answer.status < 300 : statuses.includes(answer.status);
  if (!statusMet) {
    return { met: false, statusMet, why: `expected status ${statuses?.join(' or ') ?? '2xx'}` };
  }
  const expectedFields = Object.entries(expect.json ?? {});
  if (expectedFields.length === 0) return { met: true };
  if (answer.truncated) return { met: false, statusMet, why: 'the body is too large to check the expected JSON' };
  const json = parseJson(answer.text);
  if (json === undefined) return { met: false, statusMet, why: 'the body is not JSON' };
  for (const [path, expected] of expectedFields) {
    if (!isDeepStrictEqual(valueAt(json, path), expected)) return { met: false, statusMet, why: `JSON field ${path} is not ${JSON.stringify(expected)}` };
  }
  return { met: true };
}

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

function valueAt(json: unknown, path: string): unknown {
  let node = json;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
