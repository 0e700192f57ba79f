// Vonage's error answers are RFC 7807 problems: `{ type, title, detail, instance }` (422 adds
// `invalid_parameters: [{ name, reason }]`). Vonage has changed the `type` host over the years
// (developer.nexmo.com/api-errors#…, developer.vonage.com/en/api-errors/verify-v2#…), so answers are
// classified on the HTTP status; the `type`'s last segment is kept as the provider code.

import { StageError, type FailureReason } from '../../core/outcome.js';
import { parseRetryAfter, sanitize } from '../../http/answer.js';
import type { HttpAnswer } from '../../http/exchange.js';

export interface VonageProblem {
  /** Last segment of the `type` URI: `invalid-code`, `concurrent`, `throttled`, `gone`… */
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  /** Names of the fields a 422 says are invalid. */
  readonly invalidParameters: readonly string[];
}

export function parseProblem(text: string): VonageProblem {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { invalidParameters: [] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { invalidParameters: [] };
  const { type, title, detail, invalid_parameters: invalid } = json as Record<string, unknown>;
  const code = typeof type === 'string' ? lastSegment(type) : undefined;
  const invalidParameters = Array.isArray(invalid)
    ? invalid.flatMap((entry: unknown) => {
        const name = (entry as { name?: unknown } | null)?.name;
        return typeof name === 'string' && name !== '' ? [name] : [];
      })
    : [];
  return {
    ...(code !== undefined && { code }),
    ...(typeof title === 'string' && title !== '' && { title }),
    ...(typeof detail === 'string' && detail !== '' && { detail }),
    invalidParameters,
  };
}

/** `https://developer.vonage.com/en/api-errors/verify-v2#invalid-code` → `invalid-code`. */
function lastSegment(type: string): string | undefined {
  const segment = type.split(/[#/]/).filter((part) => part !== '').at(-1);
  return segment !== undefined && /^[\w.-]{1,60}$/.test(segment) ? segment : undefined;
}

/**
 * A StageError for a refusal: `<target> answered <status> (<code>): "<title>: <detail>"`. The far side's
 * words are sanitised (the number masked, long digit runs hidden); credentials are never part of them.
 */
export function problemError(reason: FailureReason, target: string, answer: HttpAnswer, secrets: readonly string[], now: Date): StageError {
  const problem = parseProblem(answer.text);
  const said = [problem.title, problem.detail].filter((part) => part !== undefined).join(': ');
  const fields = problem.invalidParameters.length > 0 ? ` (invalid: ${sanitize(problem.invalidParameters.join(', '), secrets)})` : '';
  const retryAfterSeconds = answer.status === 429 ? parseRetryAfter(answer.headers['retry-after'], now) : undefined;
  const message =
    `${target} answered ${answer.status}` +
    (problem.code === undefined ? '' : ` (${problem.code})`) +
    (said === '' ? '' : `: "${sanitize(said, secrets)}"`) +
    fields;
  return new StageError(reason, message, {
    status: answer.status,
    ...(problem.code !== undefined && { providerCode: problem.code }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });
}
