// startSandbox and POST /_sandbox/faults take partial options: whatever is left out keeps its default
// (or, for faults at runtime, its current value). Values are checked here once, so the world behind
// never has to second-guess a probability above 1 or a p95 below the median.

import { z } from 'zod';
import { definedOnly } from '../core/defined.js';
import {
  DEFAULT_SANDBOX_OPTIONS,
  WEAKENABLE_CONTROLS,
  type FaultOptions,
  type FaultRates,
  type SandboxOptions,
} from './options.js';

const probability = z.number().min(0).max(1);
const durationMs = z.number().min(0);

const faultRatesSchema = z
  .strictObject({ error: probability, rateLimit: probability, slow: probability, reset: probability, malformed: probability })
  .partial();

export const faultOverridesSchema = z
  .strictObject({
    send: faultRatesSchema,
    verify: faultRatesSchema,
    inbox: faultRatesSchema,
    slowMs: durationMs,
    retryAfterSeconds: z.number().int().min(0),
  })
  .partial();

export const sandboxOverridesSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65_535),
    carrier: z
      .strictObject({
        delayMedianMs: durationMs,
        delayP95Ms: durationMs,
        loss: probability,
        undelivered: probability,
        duplicates: probability,
        blockedPrefixes: z.array(z.string().regex(/^\+?\d{1,15}$/, 'a prefix of digits, like "+44" or "+1900"')).readonly(),
      })
      .partial(),
    otp: z
      .strictObject({
        ttlMs: durationMs,
        resendWindowMs: durationMs,
        maxAttempts: z.number().int().min(1),
        codeLength: z.number().int().min(4).max(10),
        template: z.string().includes('{{code}}', { error: 'must contain {{code}}' }),
        weaken: z.array(z.enum(WEAKENABLE_CONTROLS)).readonly(),
      })
      .partial(),
    faults: faultOverridesSchema,
    webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }), authToken: z.string().min(1) }),
    seed: z.number(),
  })
  .partial();

export type FaultOverrides = z.input<typeof faultOverridesSchema>;
export type SandboxOverrides = z.input<typeof sandboxOverridesSchema>;

/** Fills every missing field from DEFAULT_SANDBOX_OPTIONS; throws naming each bad field. */
export function resolveSandboxOptions(overrides: SandboxOverrides = {}): SandboxOptions {
  const given = parseOrThrow(sandboxOverridesSchema, overrides, 'sandbox');
  const defaults = DEFAULT_SANDBOX_OPTIONS;
  const options: SandboxOptions = {
    port: given.port ?? defaults.port,
    carrier: { ...defaults.carrier, ...definedOnly(given.carrier ?? {}) },
    otp: { ...defaults.otp, ...definedOnly(given.otp ?? {}) },
    faults: mergeFaults(defaults.faults, given.faults ?? {}),
    ...(given.webhook && { webhook: given.webhook }),
    ...(given.seed !== undefined && { seed: given.seed }),
  };
  const problems = [...carrierProblems(options), ...faultProblems(options.faults, 'sandbox.faults')];
  if (problems.length > 0) throw new Error(`Invalid sandbox options:\n  ${problems.join('\n  ')}`);
  return options;
}

/** Applies a runtime change to the current faults; throws naming each bad field. */
export function applyFaultOverrides(current: FaultOptions, overrides: unknown): FaultOptions {
  const next = mergeFaults(current, parseOrThrow(faultOverridesSchema, overrides, 'faults'));
  const problems = faultProblems(next, 'faults');
  if (problems.length > 0) throw new Error(`Invalid faults:\n  ${problems.join('\n  ')}`);
  return next;
}

function mergeFaults(current: FaultOptions, given: z.output<typeof faultOverridesSchema>): FaultOptions {
  return {
    send: { ...current.send, ...definedOnly(given.send ?? {}) },
    verify: { ...current.verify, ...definedOnly(given.verify ?? {}) },
    inbox: { ...current.inbox, ...definedOnly(given.inbox ?? {}) },
    slowMs: given.slowMs ?? current.slowMs,
    retryAfterSeconds: given.retryAfterSeconds ?? current.retryAfterSeconds,
  };
}

function carrierProblems({ carrier }: SandboxOptions): string[] {
  const problems: string[] = [];
  if (carrier.delayP95Ms < carrier.delayMedianMs) problems.push('sandbox.carrier.delayP95Ms: must not be below delayMedianMs');
  if (carrier.loss + carrier.undelivered + carrier.duplicates > 1) {
    problems.push('sandbox.carrier: loss + undelivered + duplicates must not exceed 1');
  }
  return problems;
}

/** Slow combines with any other fault; the others exclude each other, so their rates share one draw. */
function faultProblems(faults: FaultOptions, path: string): string[] {
  return (['send', 'verify', 'inbox'] as const)
    .filter((group) => exclusiveFaultTotal(faults[group]) > 1)
    .map((group) => `${path}.${group}: error + rateLimit + reset + malformed must not exceed 1`);
}

export function exclusiveFaultTotal(rates: FaultRates): number {
  return rates.error + rates.rateLimit + rates.reset + rates.malformed;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new Error(`Invalid ${root === 'sandbox' ? 'sandbox options' : root}:\n  ${lines.join('\n  ')}`, { cause: parsed.error });
}
