// The embedded sandbox, started when any step of the checks says `type: sandbox`; it pushes its SMS to
// otp-canary's own endpoint when a check reads its inbox in webhook mode.

import type { CheckConfig, Config } from '../config/schema.js';
import { ConfigError } from '../config/problems.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { SandboxPushEndpoint } from './webhook-inboxes.js';

export function usesSandbox(check: CheckConfig): boolean {
  return check.trigger.type === 'sandbox' || check.inbox.type === 'sandbox' || check.verify.type === 'sandbox';
}

/** Starts the sandbox the config describes; a closer pushed on `closers` stops it. */
export async function startEmbeddedSandbox(
  config: Config,
  checks: readonly CheckConfig[],
  push: SandboxPushEndpoint | undefined,
  closers: (() => Promise<void>)[],
): Promise<Sandbox> {
  if (push !== undefined && config.sandbox.webhook !== undefined) {
    const index = checks.findIndex((c) => c.inbox.type === 'sandbox' && c.inbox.mode === 'webhook');
    throw new ConfigError([
      { path: `checks[${index}].inbox.mode`, message: 'webhook mode needs the sandbox to push to otp-canary; remove sandbox.webhook, which sends the pushes elsewhere' },
    ], 'config');
  }
  const sandbox = await startSandbox({
    ...config.sandbox,
    ...(push !== undefined && { webhook: { url: `${push.url}/webhooks/twilio`, authToken: push.authToken } }),
  });
  closers.push(() => sandbox.close());
  return sandbox;
}
