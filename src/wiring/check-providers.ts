// Each check's providers, built from its parsed config: the trigger, inbox and verifier its steps name,
// with the step timeout, the clock, the embedded sandbox's URL and the shared webhook inboxes.

import type { CheckConfig } from '../config/schema.js';
import type { CheckProviders, Clock, Inbox, Trigger, Verifier } from '../core/providers.js';
import type { Sandbox } from '../sandbox/index.js';
import { createHttpTrigger, createHttpVerifier } from '../providers/http/provider.js';
import { createMailosaurInbox } from '../providers/mailosaur/inbox.js';
import { createMailSlurpInbox } from '../providers/mailslurp/inbox.js';
import { createSandboxInbox, createSandboxTrigger, createSandboxVerifier } from '../providers/sandbox/index.js';
import { createTwilioInbox } from '../providers/twilio/messages-inbox.js';
import type { TwilioCredentials } from '../providers/twilio/rest.js';
import { createTwilioVerifyTrigger, createTwilioVerifyVerifier, type TwilioVerifyOptions } from '../providers/twilio/verify.js';
import { createVonageVerify, type VonageVerifyOptions } from '../providers/vonage/verify.js';
import type { WebhookInboxes } from './webhook-inboxes.js';

export function providersFor(
  check: CheckConfig,
  sandbox: Sandbox | undefined,
  webhookInboxes: WebhookInboxes,
  clock: Clock,
): CheckProviders {
  const sandboxUrl = () => sandbox!.url;
  // The schema pairs a vonage-verify verifier with a vonage-verify trigger: they share the request id.
  const vonage = check.trigger.type === 'vonage-verify' ? createVonageVerify(vonageVerifyOptions(check.trigger, check.timeouts.stepMs, clock)) : undefined;
  return {
    trigger: vonage?.trigger ?? triggerFor(check, sandboxUrl, clock),
    inbox: inboxFor(check, sandboxUrl, webhookInboxes, clock),
    verifier: vonage?.verifier ?? verifierFor(check, sandboxUrl, clock),
  };
}

function triggerFor(check: CheckConfig, sandboxUrl: () => string, clock: Clock): Trigger {
  const { trigger } = check;
  const stepMs = check.timeouts.stepMs;
  switch (trigger.type) {
    case 'sandbox':
      return createSandboxTrigger({ baseUrl: sandboxUrl(), timeoutMs: stepMs, clock });
    case 'twilio-verify':
      return createTwilioVerifyTrigger(twilioVerifyOptions(trigger, stepMs, clock));
    case 'http':
      return createHttpTrigger({ request: trigger.request, ...(trigger.expect && { expect: trigger.expect }), timeoutMs: trigger.timeoutMs ?? stepMs, clock });
    case 'vonage-verify':
      throw new Error('a vonage-verify trigger is built together with its verifier');
  }
}

function verifierFor(check: CheckConfig, sandboxUrl: () => string, clock: Clock): Verifier {
  const { verify } = check;
  const stepMs = check.timeouts.stepMs;
  switch (verify.type) {
    case 'sandbox':
      return createSandboxVerifier({ baseUrl: sandboxUrl(), timeoutMs: stepMs, clock });
    case 'twilio-verify':
      return createTwilioVerifyVerifier(twilioVerifyOptions(verify, stepMs, clock));
    case 'http':
      return createHttpVerifier({ request: verify.request, ...(verify.expect && { expect: verify.expect }), timeoutMs: verify.timeoutMs ?? stepMs, clock });
    case 'vonage-verify':
      throw new Error('a vonage-verify verifier is built together with its trigger');
  }
}

function vonageVerifyOptions(trigger: Extract<CheckConfig['trigger'], { type: 'vonage-verify' }>, timeoutMs: number, clock: Clock): VonageVerifyOptions {
  const { apiKey, apiSecret, brand, baseUrl, locale, codeLength, channelTimeoutMs } = trigger;
  return {
    apiKey, apiSecret, brand, timeoutMs, clock,
    ...(baseUrl !== undefined && { baseUrl }),
    ...(locale !== undefined && { locale }),
    ...(codeLength !== undefined && { codeLength }),
    ...(channelTimeoutMs !== undefined && { channelTimeoutSeconds: channelTimeoutMs / 1000 }),
  };
}

type TwilioVerifyStep = Extract<CheckConfig['trigger'] | CheckConfig['verify'], { type: 'twilio-verify' }>;

function twilioVerifyOptions(step: TwilioVerifyStep, stepMs: number, clock: Clock): TwilioVerifyOptions {
  const { serviceSid, channel, locale, baseUrl, timeoutMs } = step;
  return { credentials: twilioCredentials(step), serviceSid, channel, timeoutMs: timeoutMs ?? stepMs, clock, ...(baseUrl && { baseUrl }), ...(locale && { locale }) };
}

/** The schema has made sure exactly one of authToken and apiKey is there. */
function twilioCredentials({ accountSid, authToken, apiKey }: { accountSid: string; authToken?: string | undefined; apiKey?: { sid: string; secret: string } | undefined }): TwilioCredentials {
  return { accountSid, ...(authToken !== undefined && { authToken }), ...(apiKey !== undefined && { apiKey }) };
}

function inboxFor(check: CheckConfig, sandboxUrl: () => string, webhookInboxes: WebhookInboxes, clock: Clock): Inbox {
  const { inbox } = check;
  if (inbox.type === 'webhook') return webhookInboxes.inboxFor(inbox);
  if (inbox.type === 'twilio') {
    const { baseUrl, pollIntervalMs } = inbox;
    return createTwilioInbox({ credentials: twilioCredentials(inbox), pollIntervalMs, timeoutMs: check.timeouts.stepMs, clock, ...(baseUrl && { baseUrl }) });
  }
  if (inbox.type === 'mailslurp') {
    const { apiKey, phoneId, baseUrl, pollIntervalMs } = inbox;
    return createMailSlurpInbox({ apiKey, phoneId, ...(baseUrl && { baseUrl }), waitMs: pollIntervalMs, timeoutMs: check.timeouts.stepMs, clock });
  }
  if (inbox.type === 'mailosaur') {
    const { apiKey, serverId, baseUrl, pollIntervalMs } = inbox;
    return createMailosaurInbox({ apiKey, serverId, ...(baseUrl && { baseUrl }), pollIntervalMs, timeoutMs: check.timeouts.stepMs, clock });
  }
  if (inbox.mode === 'webhook') return webhookInboxes.sandboxPush!.inbox();
  return createSandboxInbox({ baseUrl: sandboxUrl(), pollIntervalMs: inbox.pollIntervalMs, timeoutMs: check.timeouts.stepMs, clock });
}
