// The webhook endpoints a config's checks receive SMS through, started once and shared: checks that
// listen on one address share one receiver (or, hosted by the probe, everything shares its one server),
// so their credentials must agree; and the endpoint the embedded sandbox pushes its SMS to, for checks
// that read the sandbox's inbox in webhook mode.

import { randomBytes } from 'node:crypto';
import type { CheckConfig, InboxConfig } from '../config/schema.js';
import { ConfigError } from '../config/problems.js';
import type { Clock, Inbox } from '../core/providers.js';
import { createAcceptor, type Acceptor } from '../providers/webhook/acceptor.js';
import type { WebhookEndpoints } from '../providers/webhook/handler.js';
import { InboxesByAcceptor } from '../providers/webhook/inbox.js';
import { startWebhookReceiver } from '../providers/webhook/receiver.js';
import { ReplayMemory } from '../providers/webhook/replay-memory.js';

export type WebhookInboxConfig = Extract<InboxConfig, { type: 'webhook' }>;

/**
 * Mounts webhook endpoints on a server the caller already runs (the probe's, with its own replay
 * memory), instead of starting a receiver per listen address. Returns the base URL the endpoints are
 * reachable at.
 */
export type HostWebhooks = (endpoints: WebhookEndpoints) => string;

export interface WebhookInboxOptions {
  readonly clock: Clock;
  readonly hostWebhooks: HostWebhooks | undefined;
}

/** The endpoint the embedded sandbox pushes its SMS to, as Twilio would, signed with `authToken`. */
export interface SandboxPushEndpoint {
  readonly url: string;
  readonly authToken: string;
  readonly inbox: () => Inbox;
}

export interface WebhookInboxes {
  /** The inbox a `type: webhook` check reads: its acceptor's, on the endpoints of its address. */
  inboxFor(inbox: WebhookInboxConfig): Inbox;
  /** Present when a check reads the sandbox's inbox in webhook mode. */
  readonly sandboxPush: SandboxPushEndpoint | undefined;
}

type Credentials = Omit<WebhookEndpoints, 'inbox'>;

/** A group of endpoints served together: on one address, or on the host's server. */
interface EndpointGroup {
  credentials: Credentials;
  readonly inboxes: InboxesByAcceptor;
  /** The first check in the group, which a later check's conflicting credential is named against. */
  readonly firstIndex: number;
  /** Where the group is served; a receiver's `host:port`, or none for the sandbox push receiver, which picks a free port. */
  readonly listen: { readonly host: string; readonly port: number } | undefined;
}

const SANDBOX_PUSH = 'sandbox-push';
const HOSTED = 'hosted';

/** Starts the endpoints the checks need; each receiver started is stopped by a closer pushed on `closers`. */
export async function startWebhookInboxes(
  checks: readonly CheckConfig[],
  options: WebhookInboxOptions,
  closers: (() => Promise<void>)[],
): Promise<WebhookInboxes> {
  const hosted = options.hostWebhooks !== undefined;
  const newGroup = (firstIndex: number, listen: EndpointGroup['listen']): EndpointGroup => ({
    credentials: {},
    inboxes: new InboxesByAcceptor({ clock: options.clock }),
    firstIndex,
    listen,
  });
  const groups = groupByAddress(checks, hosted, newGroup);
  // After the webhook checks, so a hosted group's configured Twilio token is the one the sandbox signs with.
  const pushGroup = sandboxPushGroup(checks, hosted ? groups.get(HOSTED) : undefined, newGroup);
  if (pushGroup !== undefined) groups.set(hosted ? HOSTED : SANDBOX_PUSH, pushGroup);

  const urls = await serveGroups(groups, options, closers);
  return {
    inboxFor: (inbox) => groups.get(groupKey(inbox, hosted))!.inboxes.inboxFor(acceptorOf(inbox)),
    sandboxPush: pushGroup && {
      url: urls.get(pushGroup)!,
      authToken: pushGroup.credentials.twilio!.authToken,
      inbox: () => pushGroup.inboxes.inboxFor(createAcceptor('twilio', pushGroup.credentials.twilio!.authToken)),
    },
  };
}

/** The webhook checks' endpoints, grouped by the address they listen on (all in one when hosted). */
function groupByAddress(
  checks: readonly CheckConfig[],
  hosted: boolean,
  newGroup: (firstIndex: number, listen: EndpointGroup['listen']) => EndpointGroup,
): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const [index, { inbox }] of checks.entries()) {
    if (inbox.type !== 'webhook') continue;
    const key = groupKey(inbox, hosted);
    const group = groups.get(key) ?? newGroup(index, hosted ? undefined : inbox.listen);
    const conflict = (field: string) =>
      new ConfigError(
        [
          {
            path: `checks[${index}].inbox.${field}`,
            message: `differs from checks[${group.firstIndex}], which ${hosted ? "shares the probe's one webhook endpoint" : `listens on the same address ${key}`}`,
          },
        ],
        'config',
      );
    group.credentials = withCredentialOf(group.credentials, inbox, conflict);
    groups.set(key, group);
  }
  return groups;
}

/**
 * The group's credentials with the inbox's format added; a format the group already serves must be
 * served with the same credential (a `conflict` naming the field that differs otherwise).
 */
function withCredentialOf(credentials: Credentials, inbox: WebhookInboxConfig, conflict: (field: string) => ConfigError): Credentials {
  switch (inbox.format) {
    case 'twilio': {
      if (credentials.twilio && credentials.twilio.authToken !== inbox.authToken) throw conflict('authToken');
      return { ...credentials, twilio: { authToken: inbox.authToken, ...(inbox.publicUrl && { publicUrl: inbox.publicUrl }) } };
    }
    case 'generic': {
      if (credentials.generic && credentials.generic.secret !== inbox.secret) throw conflict('secret');
      if (credentials.generic && credentials.generic.timestampToleranceMs !== inbox.timestampToleranceMs) throw conflict('timestampTolerance');
      return { ...credentials, generic: { secret: inbox.secret, timestampToleranceMs: inbox.timestampToleranceMs } };
    }
    case 'vonage': {
      const { vonage } = credentials;
      if (vonage && vonage.signatureSecret !== inbox.signatureSecret) throw conflict(inbox.signatureSecret === undefined ? 'unsigned' : 'signatureSecret');
      if (vonage?.signatureMethod !== undefined && vonage.signatureMethod !== inbox.signingMethod) throw conflict('signingMethod');
      // The schema has made sure an inbox without a signature secret says `unsigned: true`.
      const endpoint = inbox.signatureSecret === undefined ? { unsigned: true as const } : { signatureSecret: inbox.signatureSecret, signatureMethod: inbox.signingMethod };
      return { ...credentials, vonage: endpoint };
    }
  }
}

/**
 * The group the embedded sandbox pushes to, when a check reads the sandbox's inbox in webhook mode: the
 * host's group when hosted (its Twilio endpoint, if it has one, keeps its token), else a receiver of its
 * own. Either way its Twilio endpoint is there to push to, with a fresh token when none was configured.
 */
function sandboxPushGroup(
  checks: readonly CheckConfig[],
  hostedGroup: EndpointGroup | undefined,
  newGroup: (firstIndex: number, listen: EndpointGroup['listen']) => EndpointGroup,
): EndpointGroup | undefined {
  const index = checks.findIndex(({ inbox }) => inbox.type === 'sandbox' && inbox.mode === 'webhook');
  if (index < 0) return undefined;
  const group = hostedGroup ?? newGroup(index, undefined);
  if (!group.credentials.twilio) group.credentials = { ...group.credentials, twilio: { authToken: randomBytes(24).toString('base64url') } };
  return group;
}

/** Serves each group, on the host's server or a receiver of its own; returns each group's base URL. */
async function serveGroups(groups: Map<string, EndpointGroup>, options: WebhookInboxOptions, closers: (() => Promise<void>)[]): Promise<Map<EndpointGroup, string>> {
  // A CLI or library run is short: its receivers remember delivered ids for the run only.
  const replays = ReplayMemory.inMemory();
  const urls = new Map<EndpointGroup, string>();
  for (const group of groups.values()) {
    const endpoints = { ...group.credentials, inbox: group.inboxes };
    if (options.hostWebhooks) {
      urls.set(group, options.hostWebhooks(endpoints));
    } else {
      const receiver = await startWebhookReceiver({ ...endpoints, replays, clock: options.clock, ...(group.listen ?? { host: '127.0.0.1', port: 0 }) });
      closers.push(() => receiver.close());
      urls.set(group, receiver.url);
    }
  }
  return urls;
}

/** The group an inbox's endpoint is served in: its listen address's, or the host's one. */
function groupKey(inbox: WebhookInboxConfig, hosted: boolean): string {
  return hosted ? HOSTED : `${inbox.listen.host}:${inbox.listen.port}`;
}

/** The acceptor a webhook inbox's messages must come through: its format and its credential. */
function acceptorOf(inbox: WebhookInboxConfig): Acceptor {
  if (inbox.format === 'twilio') return createAcceptor('twilio', inbox.authToken);
  if (inbox.format === 'generic') return createAcceptor('generic', inbox.secret);
  return createAcceptor('vonage', inbox.signatureSecret);
}
