// otp-canary.yml as a zod schema: the single source of the parsed Config type, of validation and of the
// JSON Schema editors use. The YAML form says `timeout: 10s`; the parsed form says `timeoutMs: 10000`,
// so a unit is visible wherever a number is read.

import { z } from 'zod';
import { compileCodePattern, InvalidCodePatternError } from '../core/extract.js';
import { CONTROLS } from '../core/outcome.js';
import {
  checkName,
  cronExpression,
  duration,
  httpUrl,
  maxP95DeliverySeconds,
  minSuccessRate,
  nonEmptyString,
  phoneNumber,
  port,
  secret,
  size,
  token,
} from '../fields/fields.js';
import { validateRequestTemplate, type PlaceholderName } from '../providers/http/template.js';
import { VONAGE_SIGNATURE_METHODS } from '../providers/vonage/signature.js';
import { DEFAULT_HOLD_SETTLE_SECONDS, MAX_HOLD_SETTLE_SECONDS } from '../probe-hold/protocol.js';
import { sandboxSchema } from './sandbox-schema.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const statusCode = z.number().int().min(100).max(599);
const jsonValue = z.json();

const httpRequest = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: httpUrl,
  headers: z.record(z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }), z.string()).optional(),
  /** Sent as JSON; `{{number}}` and `{{code}}` in its strings are replaced. */
  json: jsonValue.optional(),
  /** Sent form-encoded. */
  form: z.record(z.string(), z.string()).optional(),
  /** Sent verbatim. */
  body: z.string().optional(),
});

const httpExpect = z.strictObject({
  status: z
    .union([statusCode, z.array(statusCode).min(1)], {
      error: 'expected an HTTP status (e.g. 200) or a list of them (e.g. [200, 202])',
    })
    .transform((status) => (Array.isArray(status) ? status : [status]))
    .optional(),
  /** Dot-paths into the JSON answer and the values they must hold, e.g. `"data.status": sent`. */
  json: z.record(nonEmptyString, jsonValue).optional(),
});

/** An `http` step; `placeholders` are those its request may use (the provider's own rule). */
function httpStep(placeholders: readonly PlaceholderName[]) {
  return z
    .strictObject({ type: z.literal('http'), request: httpRequest, expect: httpExpect.optional(), timeout: duration({ positive: true }).optional() })
    .superRefine((step, ctx) => {
      try {
        validateRequestTemplate(step.request, placeholders, 'request');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
      if (placeholders.includes('code') && !/\{\{\s*code\s*\}\}/.test(JSON.stringify(step.request))) {
        ctx.addIssue({
          code: 'custom',
          path: ['request'],
          message: 'never uses {{code}}: put it in the url, a header, json, form or body so the code is submitted',
        });
      }
    })
    .transform(({ timeout, ...step }) => ({ ...step, timeoutMs: timeout }));
}

const sandboxStep = z.strictObject({ type: z.literal('sandbox') });

/** Vonage Verify v2 sends the code; its verifier (`{ type: vonage-verify }`) uses these credentials. */
const vonageVerifyTrigger = z
  .strictObject({
    type: z.literal('vonage-verify'),
    apiKey: secret('vonage-verify authenticates with the account API key and secret'),
    apiSecret: secret('vonage-verify authenticates with the account API key and secret'),
    brand: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(18, { error: 'must be at most 18 characters (Vonage Verify)' })
      .regex(/^[^/{}:$]*$/, { error: 'must not contain / { } : or $ (Vonage Verify)' }),
    baseUrl: httpUrl.optional(),
    locale: nonEmptyString.optional(),
    codeLength: z.number().int().min(4).max(10).optional(),
    /** How long Vonage keeps the request open on the SMS channel (its channel_timeout). */
    channelTimeout: duration({ positive: true })
      .refine((ms) => ms % 1000 === 0 && ms >= 15_000 && ms <= 900_000, { error: 'must be whole seconds from 15s to 900s (Vonage channel_timeout)' })
      .optional(),
  })
  .transform(({ channelTimeout, ...step }) => ({ ...step, channelTimeoutMs: channelTimeout }));
const vonageVerifyStep = z.strictObject({ type: z.literal('vonage-verify') });

/**
 * A Twilio account: its SID (in every 2010-04-01 path) and either its auth token or an API key and secret.
 * `baseUrl` reaches a regional edge (or a fake in tests).
 */
const twilioAccount = {
  accountSid: z.string().refine((sid) => /^AC[0-9a-fA-F]{32}$/.test(sid), { error: 'must be a Twilio account SID: AC followed by 32 hex digits' }),
  authToken: secret().optional(),
  apiKey: z
    .strictObject({
      sid: z.string().refine((sid) => /^SK[0-9a-fA-F]{32}$/.test(sid), { error: 'must be a Twilio API key SID: SK followed by 32 hex digits' }),
      secret: secret('an API key authenticates with its SID and secret'),
    })
    .optional(),
  baseUrl: httpUrl.optional(),
};

function oneTwilioCredential(step: { authToken?: string | undefined; apiKey?: unknown }, ctx: z.RefinementCtx): void {
  if ((step.authToken === undefined) === (step.apiKey === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['authToken'], message: 'give the account\'s authToken or an apiKey { sid, secret }, one of the two' });
  }
}

/** Twilio Verify v2, as trigger or verifier: one block, so both steps can share it through a YAML anchor. */
const twilioVerifyStep = z
  .strictObject({
    type: z.literal('twilio-verify'),
    ...twilioAccount,
    serviceSid: z.string().refine((sid) => /^VA[0-9a-fA-F]{32}$/.test(sid), { error: 'must be a Verify Service SID: VA followed by 32 hex digits' }),
    channel: z.literal('sms', { error: 'only sms: the check reads the code from an SMS inbox' }).default('sms'),
    locale: nonEmptyString.optional(),
    timeout: duration({ positive: true }).optional(),
  })
  .superRefine(oneTwilioCredential)
  .transform(({ timeout, ...step }) => ({ ...step, timeoutMs: timeout }));

const trigger = z.discriminatedUnion('type', [sandboxStep, httpStep(['number']), vonageVerifyTrigger, twilioVerifyStep]);
const verify = z.discriminatedUnion('type', [sandboxStep, httpStep(['number', 'code']), vonageVerifyStep, twilioVerifyStep]);

// A CLI run's own receiver; 9478, beside the probe's 9477, so both can run on one host. The probe serves
// webhooks on its own port and ignores `listen`.
const listen = z.strictObject({ port: port.default(9478), host: nonEmptyString.default('127.0.0.1') });

const inbox = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('sandbox'),
      mode: z.enum(['poll', 'webhook']).default('poll'),
      pollInterval: duration({ positive: true }).prefault('250ms'),
    })
    .transform(({ pollInterval, ...rest }) => ({ ...rest, pollIntervalMs: pollInterval })),
  z.discriminatedUnion('format', [
    z.strictObject({
      type: z.literal('webhook'),
      format: z.literal('twilio'),
      authToken: secret('format twilio checks X-Twilio-Signature with the account auth token'),
      listen: listen.prefault({}),
      /** The public URL Twilio posts to (and signs), when a proxy sits in front of `listen`. */
      publicUrl: httpUrl.optional(),
    }),
    z
      .strictObject({
        type: z.literal('webhook'),
        format: z.literal('generic'),
        secret: token('format generic checks X-Signature, an HMAC-SHA256 of the body keyed by this secret'),
        /** How far a signed X-Signature-Timestamp may be from our clock. */
        timestampTolerance: duration({ positive: true }).prefault('5m'),
        listen: listen.prefault({}),
      })
      .transform(({ timestampTolerance, ...rest }) => ({ ...rest, timestampToleranceMs: timestampTolerance })),
    z
      .strictObject({
        type: z.literal('webhook'),
        format: z.literal('vonage'),
        /** Checks the `sig` of every inbound SMS; required unless `unsigned: true`. */
        signatureSecret: secret().optional(),
        /** Accept unsigned messages: anyone who reaches the endpoint can put an SMS in this check's inbox. */
        unsigned: z.literal(true, { error: 'must be true when set: it accepts unauthenticated SMS' }).optional(),
        /** Vonage's "signature method" (named so it is not taken for a credential). */
        signingMethod: z.enum(VONAGE_SIGNATURE_METHODS).default('md5hash'),
        listen: listen.prefault({}),
      })
      .superRefine((inbox, ctx) => {
        if (inbox.signatureSecret === undefined && inbox.unsigned === undefined) {
          ctx.addIssue({ code: 'custom', path: ['signatureSecret'], message: 'required unless unsigned: true (which accepts unauthenticated SMS)' });
        }
        if (inbox.signatureSecret !== undefined && inbox.unsigned !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['unsigned'], message: 'contradicts signatureSecret: a signed inbox refuses unsigned messages' });
        }
      }),
  ]),
  z
    .strictObject({
      type: z.literal('twilio'),
      ...twilioAccount,
      /** Pause between ListMessage polls: the bound on how late an arrival is stamped. */
      pollInterval: duration({ positive: true }).prefault('2s'),
    })
    .superRefine(oneTwilioCredential)
    .transform(({ pollInterval, ...rest }) => ({ ...rest, pollIntervalMs: pollInterval })),
  z
    .strictObject({
      type: z.literal('mailslurp'),
      apiKey: secret('MailSlurp authenticates every call with the account API key'),
      /** MailSlurp's id of the phone number, not the number itself. */
      phoneId: nonEmptyString,
      baseUrl: httpUrl.optional(),
      /** How long MailSlurp holds each wait for SMS open before it is re-issued. */
      pollInterval: duration({ positive: true })
        .refine((ms) => ms <= 120_000, { error: 'must be at most 120s: MailSlurp advises holding a wait at most 120 s' })
        .prefault('60s'),
    })
    .transform(({ pollInterval, ...rest }) => ({ ...rest, pollIntervalMs: pollInterval })),
  z
    .strictObject({
      type: z.literal('mailosaur'),
      apiKey: secret('Mailosaur authenticates every call with the account API key'),
      /** The 8-character id of the Mailosaur server the number's SMS land in. */
      serverId: z.string().regex(/^[A-Za-z0-9]{8}$/, { error: 'must be the 8-character id of a Mailosaur server' }),
      baseUrl: httpUrl.optional(),
      /** Wait between searches when Mailosaur's answer sets no schedule (x-ms-delay). */
      pollInterval: duration({ positive: true }).prefault('1s'),
    })
    .transform(({ pollInterval, ...rest }) => ({ ...rest, pollIntervalMs: pollInterval })),
]);

const extract = z
  .strictObject({
    pattern: z
      .string()
      .superRefine((pattern, ctx) => {
        try {
          compileCodePattern(pattern);
        } catch (error) {
          if (!(error instanceof InvalidCodePatternError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
        }
      })
      .optional(),
    minLength: z.number().int().min(1).max(32).optional(),
    maxLength: z.number().int().min(1).max(32).optional(),
  })
  .refine((e) => e.minLength === undefined || e.maxLength === undefined || e.minLength <= e.maxLength, {
    path: ['maxLength'],
    error: 'must not be less than minLength',
  });

const timeouts = z
  .strictObject({
    delivery: duration({ positive: true }).prefault('60s'),
    total: duration({ positive: true }).prefault('120s'),
    step: duration({ positive: true }).prefault('10s'),
  })
  .transform((t) => ({ deliveryMs: t.delivery, totalMs: t.total, stepMs: t.step }))
  .superRefine((t, ctx) => {
    for (const [key, ms] of [['delivery', t.deliveryMs], ['step', t.stepMs]] as const) {
      if (ms > t.totalMs) ctx.addIssue({ code: 'custom', path: [key], message: `must not exceed total (${t.totalMs}ms)` });
    }
  });

const policy = z
  .strictObject({
    ttl: duration({ positive: true }).prefault('5m'),
    resendWindow: duration().prefault('30s'),
    maxAttempts: z.number().int().min(1).default(5),
  })
  .transform((p) => ({ ttlMs: p.ttl, resendWindowMs: p.resendWindow, maxAttempts: p.maxAttempts }));

/** The policy of a check that states none (and whose app is not the embedded sandbox). */
const DEFAULT_POLICY = policy.parse({});

const controls = z
  .array(z.enum(CONTROLS))
  .refine((names) => new Set(names).size === names.length, { error: 'lists a control more than once' })
  .default([]);

const check = z
  .strictObject({
    name: checkName,
    number: phoneNumber,
    trigger,
    inbox,
    verify,
    extract: extract.prefault({}),
    timeouts: timeouts.prefault({}),
    degradedAfter: duration({ positive: true }).optional(),
    /** Default: the embedded sandbox's own policy when it is the trigger, else DEFAULT_POLICY. */
    policy: policy.optional(),
    controls,
    schedule: cronExpression.optional(),
    controlSchedule: cronExpression.optional(),
  })
  .superRefine((check, ctx) => {
    // Vonage holds the code of a Vonage Verify request: only Vonage can check it, with the trigger's credentials.
    if (check.verify.type === 'vonage-verify' && check.trigger.type !== 'vonage-verify') {
      ctx.addIssue({ code: 'custom', path: ['verify', 'type'], message: 'vonage-verify checks the code of the request a vonage-verify trigger started, and uses its credentials: set trigger.type to vonage-verify' });
    }
    if (check.trigger.type === 'vonage-verify' && check.verify.type !== 'vonage-verify') {
      ctx.addIssue({ code: 'custom', path: ['verify', 'type'], message: 'must be vonage-verify: only Vonage can check the code of the Vonage Verify request the trigger starts' });
    }
  })
  .transform(({ degradedAfter, ...check }) => ({
    ...check,
    // An HTTP step without its own timeout gets the check's step timeout.
    trigger: withStepTimeout(check.trigger, check.timeouts.stepMs),
    verify: withStepTimeout(check.verify, check.timeouts.stepMs),
    degradedAfterMs: degradedAfter,
  }));

function withStepTimeout<Step extends { type: string; timeoutMs?: number | undefined }>(step: Step, stepMs: number) {
  return step.type === 'http' ? { ...step, timeoutMs: step.timeoutMs ?? stepMs } : step;
}

const gate = z.strictObject({
  minSuccessRate: minSuccessRate.optional(),
  maxP95DeliverySeconds: maxP95DeliverySeconds.optional(),
  failOnDegraded: z.boolean().default(false),
  /** The probe that shares these numbers: the gate holds them there while it runs (docs/probe.md, Sharing numbers). */
  holdProbe: z
    .strictObject({
      url: httpUrl,
      token: token('the probe\'s hold API takes its probe.token, e.g. "${PROBE_TOKEN}"'),
      /** The quiet gap kept between the probe's runs on the numbers and the gate's, on both sides of the hold. */
      settle: duration()
        .refine((ms) => ms % 1000 === 0 && ms <= MAX_HOLD_SETTLE_SECONDS * 1000, { error: `must be whole seconds, at most ${MAX_HOLD_SETTLE_SECONDS}s` })
        .prefault(`${DEFAULT_HOLD_SETTLE_SECONDS}s`),
    })
    .transform(({ settle, ...hold }) => ({ ...hold, settleSeconds: settle / 1000 }))
    .optional(),
});

const probe = z.strictObject({
  port: port.default(9477),
  host: nonEmptyString.default('0.0.0.0'),
  /** Bearer token required by POST /api/checks/{name}/run (the probe's only endpoint that acts). */
  token: token().optional(),
  recentRuns: z.number().int().min(1).default(500),
  audit: z
    .strictObject({ path: nonEmptyString, maxBytes: size().prefault('10MB'), keep: z.number().int().min(0).default(5) })
    .optional(),
  /** The message ids webhooks already delivered, kept across restarts so a replay is refused. */
  webhookReplays: z
    .strictObject({
      /** Default: beside the audit file, else in the OS temporary directory (see docs/webhooks.md). */
      path: nonEmptyString.optional(),
      maxEntries: z.number().int().min(1).default(10_000),
      maxAge: duration({ positive: true }).prefault('168h'),
    })
    .transform(({ maxAge, ...rest }) => ({ ...rest, maxAgeMs: maxAge }))
    .prefault({}),
});

export const configSchema = z
  .strictObject({
    location: nonEmptyString.max(64).default('local'),
    sandbox: sandboxSchema.prefault({}),
    checks: z.array(check).min(1, { error: 'at least one check is required' }),
    gate: gate.prefault({}),
    probe: probe.prefault({}),
  })
  .superRefine(
    (config, ctx) => {
      // Runs even when other parts failed, so a duplicate is reported with every other problem.
      const checks: unknown = (config as { checks?: unknown } | undefined)?.checks;
      if (!Array.isArray(checks)) return;
      const firstIndex = new Map<string, number>();
      checks.forEach((entry: unknown, index) => {
        const name = (entry as { name?: unknown } | undefined)?.name;
        if (typeof name !== 'string') return;
        const first = firstIndex.get(name);
        if (first === undefined) firstIndex.set(name, index);
        else ctx.addIssue({ code: 'custom', path: ['checks', index, 'name'], message: `"${name}" is already the name of checks[${first}]` });
      });
    },
    { when: () => true },
  )
  .transform(({ checks, ...config }) => ({
    ...config,
    // A sandbox trigger asks the embedded sandbox, whose policy is known exactly: runs keep to its resend window.
    checks: checks.map(({ policy: stated, ...check }) => ({
      ...check,
      policy: stated ?? (check.trigger.type === 'sandbox' ? sandboxPolicy(config.sandbox.otp) : DEFAULT_POLICY),
    })),
  }));

function sandboxPolicy({ ttlMs, resendWindowMs, maxAttempts }: { ttlMs: number; resendWindowMs: number; maxAttempts: number }) {
  return { ttlMs, resendWindowMs, maxAttempts };
}

export type Config = z.output<typeof configSchema>;
/** The YAML form, before durations are parsed and defaults applied. */
export type ConfigInput = z.input<typeof configSchema>;
export type CheckConfig = Config['checks'][number];
export type TriggerConfig = CheckConfig['trigger'];
export type InboxConfig = CheckConfig['inbox'];
export type VerifyConfig = CheckConfig['verify'];
export type HttpStepConfig = Extract<TriggerConfig, { type: 'http' }>;
export type GateConfig = Config['gate'];
export type ProbeConfig = Config['probe'];
