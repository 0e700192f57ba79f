// The `sandbox:` block: the YAML form users write, parsed into SandboxOptions merged over
// DEFAULT_SANDBOX_OPTIONS, so an absent block or a partial one is a working, well-behaved sandbox.

import { z } from 'zod';
import {
  DEFAULT_SANDBOX_OPTIONS,
  WEAKENABLE_CONTROLS,
  type FaultRates,
  type SandboxOptions,
} from '../sandbox/options.js';
import { duration, httpUrl, port, probability, secret } from './fields.js';

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

export const sandboxSchema = sandboxFields
  .transform(toSandboxOptions)
  .superRefine((options, ctx) => {
    if (options.carrier.delayP95Ms < options.carrier.delayMedianMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['carrier', 'delay', 'p95'],
        message: `must not be shorter than the median (${options.carrier.delayMedianMs}ms)`,
      });
    }
  });

function toSandboxOptions(input: z.output<typeof sandboxFields>): SandboxOptions {
  const defaults = DEFAULT_SANDBOX_OPTIONS;
  const { carrier: c = {}, otp: o = {}, faults: f = {} } = input;
  return {
    port: input.port ?? defaults.port,
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    carrier: {
      delayMedianMs: c.delay?.median ?? defaults.carrier.delayMedianMs,
      delayP95Ms: c.delay?.p95 ?? defaults.carrier.delayP95Ms,
      loss: c.loss ?? defaults.carrier.loss,
      undelivered: c.undelivered ?? defaults.carrier.undelivered,
      duplicates: c.duplicates ?? defaults.carrier.duplicates,
      blockedPrefixes: c.blockedPrefixes ?? defaults.carrier.blockedPrefixes,
    },
    otp: {
      ttlMs: o.ttl ?? defaults.otp.ttlMs,
      resendWindowMs: o.resendWindow ?? defaults.otp.resendWindowMs,
      maxAttempts: o.maxAttempts ?? defaults.otp.maxAttempts,
      codeLength: o.codeLength ?? defaults.otp.codeLength,
      template: o.template ?? defaults.otp.template,
      weaken: o.weaken ?? defaults.otp.weaken,
    },
    faults: {
      send: mergeRates(defaults.faults.send, f.send),
      verify: mergeRates(defaults.faults.verify, f.verify),
      inbox: mergeRates(defaults.faults.inbox, f.inbox),
      slowMs: f.slow ?? defaults.faults.slowMs,
      // Retry-After is whole seconds; round up so the sandbox never asks for less than configured.
      retryAfterSeconds: f.retryAfter === undefined ? defaults.faults.retryAfterSeconds : Math.ceil(f.retryAfter / 1000),
    },
    ...(input.webhook === undefined ? {} : { webhook: input.webhook }),
  };
}

function mergeRates(defaults: FaultRates, given: z.output<typeof faultRates> = {}): FaultRates {
  return {
    error: given.error ?? defaults.error,
    rateLimit: given.rateLimit ?? defaults.rateLimit,
    slow: given.slow ?? defaults.slow,
    reset: given.reset ?? defaults.reset,
    malformed: given.malformed ?? defaults.malformed,
  };
}
