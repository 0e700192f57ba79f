// The reusable field types of otp-canary.yml. Each carries its own error message (the generic ones are
// in problems.ts) and, where the YAML form differs from the parsed one, its JSON Schema shape for
// editors. Values never appear in messages, except where they cannot hold a secret.

import { isPossiblePhoneNumber } from 'libphonenumber-js';
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { maskNumber } from '../core/mask.js';
import { DURATION_PATTERN, DURATION_TOO_LONG, MAX_DURATION_MS, SIZE_PATTERN, parseDuration, parseSize } from './units.js';

const ENV_REFERENCE = String.raw`\$\{[A-Za-z_][A-Za-z0-9_]*\}`;

/** JSON Schema pattern: the value's own form, or any string holding a `${VAR}` (known only at load time). */
function patternOrEnv(pattern: string): string {
  return `(?:${pattern})|${ENV_REFERENCE}`;
}

/** A bare number is refused with the fix spelled out (`timeout: 10` → `10s`). */
function noUnit(input: unknown, fix: (n: number) => string): string | undefined {
  return typeof input === 'number' ? `${input} has no unit: write ${fix(input)}` : undefined;
}

/** `250ms`, `60s`, `5m`, `1h` → milliseconds. `positive` refuses `0s`. */
export function duration(options: { positive?: boolean } = {}) {
  return z
    .string({ error: (issue) => noUnit(issue.input, (n) => `${n}s for seconds or ${n}ms for milliseconds`) })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        const message = text.trim().startsWith('-')
          ? `"${text}" is negative: durations are 0 or more`
          : `"${text}" is not a duration: write a number and a unit (ms, s, m or h), e.g. 250ms, 60s, 5m`;
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      if (ms > MAX_DURATION_MS) {
        ctx.addIssue({ code: 'custom', message: `"${text}" ${DURATION_TOO_LONG}` });
        return z.NEVER;
      }
      if (options.positive && ms === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be longer than 0' });
        return z.NEVER;
      }
      return ms;
    })
    .meta({
      pattern: patternOrEnv(DURATION_PATTERN),
      description: 'A duration: a number and a unit (ms, s, m, h), e.g. 250ms, 60s, 5m, 1h.',
    });
}

/** `512KiB`, `10MB` → bytes. */
export function size() {
  return z
    .string({ error: (issue) => noUnit(issue.input, (n) => `${n}B for bytes, or use KB, MB, KiB, MiB`) })
    .transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === undefined || bytes === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not a size: write a positive number and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 10MB`,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .meta({
      pattern: patternOrEnv(SIZE_PATTERN),
      description: 'A size: a number and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 10MB, 512KiB.',
    });
}

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * An E.164 number that is possible by length for its country. "Possible", not "valid": the fictional
 * NANP range +1 555 01xx that tests and demos use is not assigned, so a validity check would refuse it.
 */
export const phoneNumber = z
  .string()
  .refine((text) => E164.test(text) && isPossiblePhoneNumber(text), {
    error: (issue) => {
      const text = String(issue.input);
      // A short fragment is no one's number; anything longer is masked like every number we print.
      const shown = text.replace(/\D/g, '').length < 8 ? text : maskNumber(text);
      return `"${shown}" is not an E.164 phone number: write "+", the country code and the number, digits only (e.g. +15555550100)`;
    },
  })
  .meta({ pattern: patternOrEnv(E164.source), description: 'E.164 phone number, e.g. +15555550100.' });

const CHECK_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/** A check's name becomes a metric label, so it is restricted to label-friendly characters. */
export const checkName = z
  .string()
  .max(64)
  .regex(CHECK_NAME, { error: 'must start with a lowercase letter or digit and contain only a-z, 0-9, "_", "." and "-"' })
  .meta({ pattern: patternOrEnv(CHECK_NAME.source) });

export const probability = z
  .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a probability from 0 to 1') })
  .min(0, { error: 'must be from 0 to 1' })
  .max(1, { error: 'must be from 0 to 1' });

export const port = z.number().int().min(0).max(65_535);

export const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

/**
 * The fewest characters of a token we choose to protect our own endpoints (probe.token, a generic
 * webhook's signing secret): 16 random characters are beyond guessing over HTTP; fewer invite it.
 */
export const MIN_TOKEN_LENGTH = 16;

/**
 * What makes a secret unusable, by the one rule every face states (config, flags' environment, the
 * Action's inputs); undefined when it is usable. Only its length is ever said, never its content.
 */
export function secretProblem(value: string, minLength: number): string | undefined {
  if (value.trim() === '') return 'must not be blank';
  if (value.length < minLength) return `must be at least ${minLength} characters (got ${value.length})`;
  return undefined;
}

/** `purpose` says why a missing one is required; an optional field has none to say. */
function secretOf(minLength: number, purpose?: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined && purpose !== undefined ? `required: ${purpose}` : undefined) })
    .superRefine((value, ctx) => {
      const problem = secretProblem(value, minLength);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/**
 * A credential a provider issued (an auth token, an API key): required, with the reason given when it
 * is missing, and not blank. Its length is the provider's to decide: no floor, so no real one is refused.
 */
export function secret(purpose?: string) {
  return secretOf(1, purpose);
}

/** A token we choose to protect our own endpoints: required, and at least MIN_TOKEN_LENGTH characters. */
export function token(purpose?: string) {
  return secretOf(MIN_TOKEN_LENGTH, purpose);
}

export const httpUrl = z
  .string()
  .refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL' })
  .meta({ description: 'An absolute http(s) URL; may contain ${VAR} and, in requests, {{number}} / {{code}}.' });

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** A cron expression as the probe's scheduler (node-cron) reads it: 5 fields, or 6 with seconds first. */
export const cronExpression = z
  .string()
  .superRefine((expression, ctx) => {
    const { valid, errors } = validateDetailed(expression);
    if (!valid) {
      const why = errors.map((error) => error.message).join('; ');
      ctx.addIssue({ code: 'custom', message: `"${expression}" is not a cron expression: ${why}` });
    }
  })
  .meta({ description: 'Cron expression: 5 fields (minute first) or 6 (second first), e.g. "*/5 * * * *".' });

/** Said by every face that takes a minimum success rate: the config's gate block, `--min-success-rate`, the Action's input. */
export const MIN_SUCCESS_RATE_RULE = 'must be a number greater than 0 and at most 1 (leave it unset not to gate on the success rate)';

/** Said by every face that takes a delivery p95 limit: the config's gate block, `--max-p95-delivery-seconds`, the Action's input. */
export const MAX_P95_DELIVERY_SECONDS_RULE = 'must be a number of seconds greater than 0 (leave it unset not to gate on delivery latency)';

/** A gate's minimum success rate. 0 is refused: it could never fail, which is what leaving it unset says. */
export const minSuccessRate = z.number({ error: MIN_SUCCESS_RATE_RULE }).gt(0, { error: MIN_SUCCESS_RATE_RULE }).max(1, { error: MIN_SUCCESS_RATE_RULE });

/** A gate's limit on a check's p95 delivery latency, in seconds. */
export const maxP95DeliverySeconds = z.number({ error: MAX_P95_DELIVERY_SECONDS_RULE }).gt(0, { error: MAX_P95_DELIVERY_SECONDS_RULE });

/** The gate thresholds a flag or an input may set, each with the config field's rule and schema. */
const GATE_THRESHOLDS = {
  minSuccessRate: { rule: MIN_SUCCESS_RATE_RULE, schema: minSuccessRate },
  maxP95DeliverySeconds: { rule: MAX_P95_DELIVERY_SECONDS_RULE, schema: maxP95DeliverySeconds },
} as const;

export type GateThresholdName = keyof typeof GATE_THRESHOLDS;

/**
 * A flag's or input's text as a gate threshold, by the config's own rule: the value, or the refusal
 * `${name} ${rule}, got "${text}"`, worded alike by every face that names the threshold `name`.
 */
export function parseThreshold(threshold: GateThresholdName, name: string, text: string): { value: number } | { refusal: string } {
  const { rule, schema } = GATE_THRESHOLDS[threshold];
  const parsed = text.trim() === '' ? undefined : schema.safeParse(Number(text));
  return parsed?.success ? { value: parsed.data } : { refusal: `${name} ${rule}, got "${text}"` };
}
