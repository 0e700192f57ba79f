// Turns parsed checks into running providers, and starts the local servers they need: the embedded
// sandbox when any step says `type: sandbox`, and a webhook receiver per listen address for
// `inbox: { type: webhook }`. Every face (CLI, Action, probe, library) gets its providers here.

import type { CheckConfig, Config } from '../config/schema.js';
import { toCheckSpec } from '../config/check-spec.js';
import { ConfigError } from '../config/problems.js';
import { systemClock, type CheckProviders, type Clock } from '../core/providers.js';
import type { CheckSpec } from '../core/types.js';
import type { Sandbox } from '../sandbox/index.js';
import { providersFor } from './check-providers.js';
import { startEmbeddedSandbox, usesSandbox } from './embedded-sandbox.js';
import { startWebhookInboxes, type HostWebhooks } from './webhook-inboxes.js';

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
  readonly hostWebhooks?: HostWebhooks;
}

export async function prepareChecks(config: Config, options: EnvironmentOptions = {}): Promise<CheckEnvironment> {
  const clock = options.clock ?? systemClock;
  const selected = selectChecks(config.checks, options.only);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const webhookInboxes = await startWebhookInboxes(selected, { clock, hostWebhooks: options.hostWebhooks }, closers);
    const sandbox = selected.some(usesSandbox) ? await startEmbeddedSandbox(config, selected, webhookInboxes.sandboxPush, closers) : undefined;
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
