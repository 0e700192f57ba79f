// The probe's hold API, as both sides speak it: a release gate asks the probe to keep off the test
// numbers it is about to use (POST /api/holds), renews the hold while it runs (PUT /api/holds/{id}) and
// releases it at the end (DELETE /api/holds/{id}). Numbers travel in JSON bodies only, never in URLs,
// so no access log or proxy ever records one.

import { z } from 'zod';
import { phoneNumber } from '../fields/fields.js';

export const HOLDS_PATH = '/api/holds';
/** A hold's id in its URL: what the probe hands out (a UUID), nothing else. */
export const HOLD_PATH = /^\/api\/holds\/([0-9a-f-]{36})$/;

/** The longest a hold lives without renewal: a gate that dies leaves the probe off its numbers no longer. */
export const MAX_HOLD_TTL_SECONDS = 900;
/**
 * The longest the probe waits for its own in-flight runs and controls on the numbers before it refuses:
 * a run is bounded by its check's total timeout (120 s by default), a control series by a few of those.
 */
export const MAX_HOLD_WAIT_SECONDS = 600;
export const MAX_HOLD_NUMBERS = 100;
/** The longest quiet gap a hold may ask for between the probe's use of a number and the gate's. */
export const MAX_HOLD_SETTLE_SECONDS = 300;
/**
 * The quiet gap a gate asks for unless configured: the probe's late SMS (of a run that gave up waiting
 * for it) and the gate's land while nobody reads the number. Most late SMS are seconds late, not minutes.
 */
export const DEFAULT_HOLD_SETTLE_SECONDS = 30;

export const holdRequestSchema = z.strictObject({
  numbers: z
    .array(phoneNumber)
    .min(1, { error: 'must list at least one number' })
    .max(MAX_HOLD_NUMBERS, { error: `must list at most ${MAX_HOLD_NUMBERS} numbers` })
    .refine((numbers) => new Set(numbers).size === numbers.length, { error: 'lists a number more than once' }),
  ttlSeconds: ttlSeconds(),
  /** Who holds the numbers, for the probe's logs: a job, a pipeline, a person. */
  holder: z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }),
  /** How long the probe may wait for its in-flight runs on the numbers; 0 refuses at once if one is going. */
  waitSeconds: z.number().int().min(0).max(MAX_HOLD_WAIT_SECONDS).default(0),
  /**
   * The quiet gap kept on each number between the probe's use and the gate's, both ways: the hold is
   * granted no sooner than this after the probe's last run on a number ended, and the probe keeps off
   * the numbers this long after the hold ends. A late SMS of one side then lands while nobody reads it.
   */
  settleSeconds: z.number().int().min(0).max(MAX_HOLD_SETTLE_SECONDS).default(0),
});
export type HoldRequest = z.output<typeof holdRequestSchema>;

export const renewRequestSchema = z.strictObject({ ttlSeconds: ttlSeconds() });
export type RenewRequest = z.output<typeof renewRequestSchema>;

/** The probe's answer to a grant or a renewal. */
export const holdAnswerSchema = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/), expiresAt: z.iso.datetime() });
export type HoldAnswer = z.output<typeof holdAnswerSchema>;

function ttlSeconds() {
  return z
    .number({ error: 'must be a whole number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_HOLD_TTL_SECONDS, { error: `must be at most ${MAX_HOLD_TTL_SECONDS} (renew the hold to keep it longer)` });
}

/** A body that is not a valid request: the message names the field, e.g. `numbers[1]: "+1…" is not…`. */
export class HoldRequestError extends Error {
  override readonly name = 'HoldRequestError';
}

/** Parses a JSON body against `schema`; every problem names its field. */
export function parseHoldBody<T extends z.ZodType>(text: string, schema: T): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HoldRequestError('the body must be a JSON object', { cause });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new HoldRequestError(parsed.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; '));
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
}
