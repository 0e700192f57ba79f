// The `sandbox:` block: the YAML form users write, parsed into SandboxOptions. Merging over
// DEFAULT_SANDBOX_OPTIONS and the cross-field rules are the sandbox's own (resolveSandboxOptions), so
// an absent or partial block is the same working sandbox `startSandbox` would build.

import { z } from 'zod';
import { WEAKENABLE_CONTROLS, type SandboxOptions } from '../sandbox/options.js';
import { resolveSandboxOptions, type SandboxOverrides } from '../sandbox/overrides.js';
import { duration, httpUrl, port, probability, secret } from '../fields/fields.js';

const faultRates = z.strictObject({
  error: probability.optional(),
  rateLimit: probability.optional(),
  slow: probability.optional(),
  reset: probability.optional(),
  malformed: probability.optional(),
});

const carrier = z.strictObject({
  delay: z.strictObject({ median: duration().optional(), p95: duration().optional() }).optional(),
  loss: probability.optional(),
  undelivered: probability.optional(),
  duplicates: probability.optional(),
  blockedPrefixes: z
    .array(z.string().regex(/^\+\d+$/, { error: 'must be "+" followed by digits, e.g. "+1555019"' }))
    .optional(),
});

const otp = z.strictObject({
  ttl: duration({ positive: true }).optional(),
  resendWindow: duration().optional(),
  maxAttempts: z.number().int().min(1).optional(),
  codeLength: z.number().int().min(4).max(10).optional(),
  template: z.string().regex(/\{\{code\}\}/, { error: 'must contain {{code}}' }).optional(),
  weaken: z.array(z.enum(WEAKENABLE_CONTROLS)).optional(),
});

const faults = z.strictObject({
  send: faultRates.optional(),
  verify: faultRates.optional(),
  inbox: faultRates.optional(),
  slow: duration().optional(),
  retryAfter: duration().optional(),
});

const webhook = z.strictObject({
  url: httpUrl,
  authToken: secret('the sandbox signs each push with it (X-Twilio-Signature)'),
});

const sandboxFields = z.strictObject({
  port: port.optional(),
  seed: z.number().int().min(0).optional(),
  carrier: carrier.optional(),
  otp: otp.optional(),
  faults: faults.optional(),
  webhook: webhook.optional(),
});

export const sandboxSchema = sandboxFields.transform((input, ctx): SandboxOptions => {
  try {
    return resolveSandboxOptions(toSandboxOverrides(input));
  } catch (error) {
    // The sandbox's own cross-field rules (p95 not below the median, fault rates summing past 1).
    for (const line of (error as Error).message.split('\n').slice(1)) {
      ctx.addIssue({ code: 'custom', message: line.trim().replace(/^sandbox\./, '') });
    }
    return z.NEVER;
  }
});

/** The YAML form (durations parsed, friendlier names) as the sandbox's own partial options. */
function toSandboxOverrides(input: z.output<typeof sandboxFields>): SandboxOverrides {
  const { carrier: c, otp: o, faults: f } = input;
  return dropUndefined({
    port: input.port,
    seed: input.seed,
    carrier: c && dropUndefined({
      delayMedianMs: c.delay?.median,
      delayP95Ms: c.delay?.p95,
      loss: c.loss,
      undelivered: c.undelivered,
      duplicates: c.duplicates,
      blockedPrefixes: c.blockedPrefixes,
    }),
    otp: o && dropUndefined({
      ttlMs: o.ttl,
      resendWindowMs: o.resendWindow,
      maxAttempts: o.maxAttempts,
      codeLength: o.codeLength,
      template: o.template,
      weaken: o.weaken,
    }),
    faults: f && dropUndefined({
      send: f.send && dropUndefined(f.send),
      verify: f.verify && dropUndefined(f.verify),
      inbox: f.inbox && dropUndefined(f.inbox),
      slowMs: f.slow,
      // Retry-After is whole seconds; round up so the sandbox never asks for less than configured.
      retryAfterSeconds: f.retryAfter === undefined ? undefined : Math.ceil(f.retryAfter / 1000),
    }),
    webhook: input.webhook,
  });
}

/** Leaves out absent fields, so the sandbox's defaults fill them. */
function dropUndefined<T extends Record<string, unknown>>(object: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as never;
}
