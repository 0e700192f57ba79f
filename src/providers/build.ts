// Turns parsed checks into running providers, and starts the local servers they need: the embedded
// sandbox when any step says `type: sandbox`, and a webhook receiver per listen address for
// `inbox: { type: webhook }`. Every face (CLI, Action, probe, library) gets its providers here.

import { randomBytes } from 'node:crypto';
import type { CheckConfig, Config } from '../config/schema.js';
import { toCheckSpec } from '../config/check-spec.js';
import { ConfigError } from '../config/problems.js';
import { systemClock, type CheckProviders, type Clock, type Inbox, type Trigger, type Verifier } from '../core/providers.js';
import type { CheckSpec } from '../core/types.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { createHttpTrigger, createHttpVerifier } from './http/provider.js';
import { createMailosaurInbox } from './mailosaur/inbox.js';
import { createMailSlurpInbox } from './mailslurp/inbox.js';
import { createSandboxInbox, createSandboxTrigger, createSandboxVerifier } from './sandbox/index.js';
import { createTwilioInbox } from './twilio/messages-inbox.js';
import type { TwilioCredentials } from './twilio/rest.js';
import { createTwilioVerifyTrigger, createTwilioVerifyVerifier, type TwilioVerifyOptions } from './twilio/verify.js';
import { createVonageVerify, type VonageVerifyOptions } from './vonage/verify.js';
import { createAcceptor, type Acceptor } from './webhook/acceptor.js';
import type { WebhookEndpoints } from './webhook/handler.js';
import { InboxesByAcceptor } from './webhook/inbox.js';
import { startWebhookReceiver } from './webhook/receiver.js';
import { ReplayMemory } from './webhook/replay-memory.js';

export interface PreparedCheck {
  readonly spec: CheckSpec;
  readonly providers: CheckProviders;
  /** The parsed config of the check (schedules, provider types), for faces that need more than the spec. */
  readonly config: CheckConfig;
}

export interface CheckEnvironment {
  readonly checks: readonly PreparedCheck[];
  /** The embedded sandbox, when a check uses it. */
  readonly sandbox?: Sandbox;
  /** Stops every server and polling loop the environment started. */
  close(): Promise<void>;
}

export interface EnvironmentOptions {
  /** Run only these checks (all when absent); an unknown name is a usage error listing the known ones. */
  readonly only?: readonly string[];
  readonly clock?: Clock;
  /**
   * Mounts webhook endpoints on a server the caller already runs (the probe's, with its own replay
   * memory), instead of starting a receiver per listen address. Returns the base URL the endpoints are
   * reachable at.
   */
  readonly hostWebhooks?: (endpoints: WebhookEndpoints) => string;
}

export async function prepareChecks(config: Config, options: EnvironmentOptions = {}): Promise<CheckEnvironment> {
  const clock = options.clock ?? systemClock;
  const selected = selectChecks(config.checks, options.only);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const webhookInboxes = await startWebhookInboxes(selected, clock, options, closers);
    const sandbox = selected.some(usesSandbox) ? await startSandboxFor(config, selected, webhookInboxes, closers) : undefined;
    const checks = selected.map((check) => ({
      config: check,
      spec: toCheckSpec(check, config),
      providers: providersFor(check, sandbox, webhookInboxes, clock),
    }));
    return { checks, ...(sandbox && { sandbox }), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function selectChecks(checks: readonly CheckConfig[], only: readonly string[] | undefined): CheckConfig[] {
  if (only === undefined) return [...checks];
  const known = new Set(checks.map((c) => c.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((name) => ({ path: 'checks', message: `no check is named "${name}" (known: ${[...known].join(', ')})` })), 'config');
  }
  return checks.filter((c) => only.includes(c.name));
}

function usesSandbox(check: CheckConfig): boolean {
  return check.trigger.type === 'sandbox' || check.inbox.type === 'sandbox' || check.verify.type === 'sandbox';
}

/** Sandbox-inbox checks in webhook mode get the sandbox's pushes through a receiver of their own. */
const SANDBOX_PUSH_KEY = 'sandbox-push';
const HOSTED_KEY = 'hosted';

/** A started group of webhook endpoints: one inbox per acceptor, the URL they are served at. */
interface StartedWebhooks {
  readonly inboxes: InboxesByAcceptor;
  readonly url: string;
  /** The Twilio auth token the endpoints check, which the embedded sandbox signs its pushes with. */
  readonly authToken?: string;
}

async function startWebhookInboxes(
  checks: readonly CheckConfig[],
  clock: Clock,
  options: EnvironmentOptions,
  closers: (() => Promise<void>)[],
): Promise<Map<string, StartedWebhooks>> {
  // A host serves one handler on its one server: every webhook inbox joins a single group, and checks
  // whose credentials disagree are refused. `aliases` maps each check's own key to its group's.
  const hosted = options.hostWebhooks !== undefined;
  const groupKey = (key: string) => (hosted ? HOSTED_KEY : key);
  const aliases = new Map<string, string>();
  type Group = { endpoints: WebhookEndpoints & { readonly inbox: InboxesByAcceptor }; readonly index: number };
  const groups = new Map<string, Group>();
  const newGroup = (index: number): Group => ({ endpoints: { inbox: new InboxesByAcceptor({ clock }) }, index });
  for (const [index, check] of checks.entries()) {
    const { inbox } = check;
    if (inbox.type !== 'webhook') continue;
    const address = `${inbox.listen.host}:${inbox.listen.port}`;
    const key = groupKey(address);
    aliases.set(address, key);
    const group = groups.get(key) ?? newGroup(index);
    const conflict = (field: string) =>
      new ConfigError([{ path: `checks[${index}].inbox.${field}`, message: `differs from checks[${group.index}], which ${hosted ? 'shares the probe\'s one webhook endpoint' : `listens on the same address ${address}`}` }], 'config');
    if (inbox.format === 'twilio') {
      if (group.endpoints.twilio && group.endpoints.twilio.authToken !== inbox.authToken) throw conflict('authToken');
      group.endpoints = { ...group.endpoints, twilio: { authToken: inbox.authToken, ...(inbox.publicUrl && { publicUrl: inbox.publicUrl }) } };
    } else if (inbox.format === 'generic') {
      if (group.endpoints.generic && group.endpoints.generic.secret !== inbox.secret) throw conflict('secret');
      if (group.endpoints.generic && group.endpoints.generic.timestampToleranceMs !== inbox.timestampToleranceMs) throw conflict('timestampTolerance');
      group.endpoints = { ...group.endpoints, generic: { secret: inbox.secret, timestampToleranceMs: inbox.timestampToleranceMs } };
    } else {
      const { vonage } = group.endpoints;
      if (vonage && vonage.signatureSecret !== inbox.signatureSecret) throw conflict(inbox.signatureSecret === undefined ? 'unsigned' : 'signatureSecret');
      if (vonage?.signatureMethod !== undefined && vonage.signatureMethod !== inbox.signingMethod) throw conflict('signingMethod');
      // The schema has made sure an inbox without a signature secret says `unsigned: true`.
      const endpoint = inbox.signatureSecret === undefined ? { unsigned: true as const } : { signatureSecret: inbox.signatureSecret, signatureMethod: inbox.signingMethod };
      group.endpoints = { ...group.endpoints, vonage: endpoint };
    }
    groups.set(key, group);
  }
  // After the webhook checks, so a hosted group's configured Twilio token is the one the sandbox signs with.
  const pushIndex = checks.findIndex((check) => check.inbox.type === 'sandbox' && check.inbox.mode === 'webhook');
  if (pushIndex >= 0) {
    const key = groupKey(SANDBOX_PUSH_KEY);
    aliases.set(SANDBOX_PUSH_KEY, key);
    const group = groups.get(key) ?? newGroup(pushIndex);
    if (!group.endpoints.twilio) group.endpoints = { ...group.endpoints, twilio: { authToken: randomBytes(24).toString('base64url') } };
    groups.set(key, group);
  }

  // A CLI or library run is short: its receivers remember delivered ids for the run only.
  const replays = ReplayMemory.inMemory();
  const started = new Map<string, StartedWebhooks>();
  for (const [key, { endpoints }] of groups) {
    let url: string;
    if (options.hostWebhooks) {
      url = options.hostWebhooks(endpoints);
    } else {
      const [host, port] = key === SANDBOX_PUSH_KEY ? ['127.0.0.1', 0] : splitAddress(key);
      const receiver = await startWebhookReceiver({ ...endpoints, replays, host, port });
      closers.push(() => receiver.close());
      url = receiver.url;
    }
    started.set(key, { inboxes: endpoints.inbox, url, ...(endpoints.twilio && { authToken: endpoints.twilio.authToken }) });
  }
  for (const [alias, key] of aliases) started.set(alias, started.get(key)!);
  return started;
}

/** The acceptor a webhook inbox's messages must come through: its format and its credential. */
function acceptorOf(inbox: Extract<CheckConfig['inbox'], { type: 'webhook' }>): Acceptor {
  if (inbox.format === 'twilio') return createAcceptor('twilio', inbox.authToken);
  if (inbox.format === 'generic') return createAcceptor('generic', inbox.secret);
  return createAcceptor('vonage', inbox.signatureSecret);
}

function splitAddress(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

async function startSandboxFor(
  config: Config,
  checks: readonly CheckConfig[],
  webhookInboxes: Map<string, StartedWebhooks>,
  closers: (() => Promise<void>)[],
): Promise<Sandbox> {
  const push = webhookInboxes.get(SANDBOX_PUSH_KEY);
  const pushesToUs = push !== undefined && config.sandbox.webhook === undefined;
  if (push !== undefined && !pushesToUs) {
    const index = checks.findIndex((c) => c.inbox.type === 'sandbox' && c.inbox.mode === 'webhook');
    throw new ConfigError([
      { path: `checks[${index}].inbox.mode`, message: 'webhook mode needs the sandbox to push to otp-canary; remove sandbox.webhook, which sends the pushes elsewhere' },
    ], 'config');
  }
  const sandbox = await startSandbox({
    ...config.sandbox,
    ...(pushesToUs && { webhook: { url: `${push.url}/webhooks/twilio`, authToken: push.authToken! } }),
  });
  closers.push(() => sandbox.close());
  return sandbox;
}

function providersFor(
  check: CheckConfig,
  sandbox: Sandbox | undefined,
  webhookInboxes: Map<string, StartedWebhooks>,
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
      return createSandboxTrigger({ baseUrl: sandboxUrl(), timeoutMs: stepMs });
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
      return createSandboxVerifier({ baseUrl: sandboxUrl(), timeoutMs: stepMs });
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

function inboxFor(check: CheckConfig, sandboxUrl: () => string, webhookInboxes: Map<string, StartedWebhooks>, clock: Clock): Inbox {
  const { inbox } = check;
  if (inbox.type === 'webhook') return webhookInboxes.get(`${inbox.listen.host}:${inbox.listen.port}`)!.inboxes.inboxFor(acceptorOf(inbox));
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
  if (inbox.mode === 'webhook') {
    const push = webhookInboxes.get(SANDBOX_PUSH_KEY)!;
    return push.inboxes.inboxFor(createAcceptor('twilio', push.authToken));
  }
  return createSandboxInbox({ baseUrl: sandboxUrl(), pollIntervalMs: inbox.pollIntervalMs, timeoutMs: check.timeouts.stepMs, clock });
}
