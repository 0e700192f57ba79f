// The inbound-SMS endpoints (/webhooks/twilio, /webhooks/vonage, /webhooks/generic) on the probe's own
// server. The probe serves one handler, built from the current config; after a reload, runs of the
// previous config may still be waiting for their SMS, so every message is handed to the inboxes of each
// config still running, each of which gives it only to the checks of the acceptor that let it in. One
// replay memory serves the probe's whole life and outlives it in a file, so a replayed webhook is
// refused even after a restart.

import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { ProbeConfig } from '../config/schema.js';
import { createWebhookHandler, type WebhookEndpoints, type WebhookRequestHandler, type WebhookSink } from '../providers/webhook/handler.js';
import { ReplayMemory } from '../providers/webhook/replay-memory.js';

export class HostedWebhooks {
  readonly #live = new Set<WebhookSink>();
  readonly #fanOut: WebhookSink = {
    accept: (sms, acceptor) => {
      for (const sink of this.#live) sink.accept(sms, acceptor);
    },
  };
  readonly #logger: Logger;
  /** Replaced by the probe's file-backed memory in openReplays, before the first config is activated. */
  #replays = ReplayMemory.inMemory();
  #handler: WebhookRequestHandler | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** The handler of the current config; undefined when no check receives SMS by webhook. */
  get handler(): WebhookRequestHandler | undefined {
    return this.#handler;
  }

  /** Loads the replay memory from its file (before the first config is activated); never rejects. */
  async openReplays(settings: ProbeConfig, port: number): Promise<void> {
    const { maxEntries, maxAgeMs } = settings.webhookReplays;
    const path = webhookReplaysPath(settings, port);
    this.#replays = await ReplayMemory.open({
      path,
      maxEntries,
      maxAgeMs,
      onError: (error) => this.#logger.error({ event: 'webhook_replays_error', path, err: error }, error.message),
    });
    this.#logger.info({ event: 'webhook_replays', path }, `webhook message ids are remembered in ${path}`);
  }

  /** Makes these endpoints (a newly loaded config's) the ones requests are authenticated with. */
  activate(endpoints: WebhookEndpoints | undefined): void {
    if (endpoints === undefined) {
      this.#handler = undefined;
      return;
    }
    this.#live.add(endpoints.inbox);
    this.#handler = createWebhookHandler({
      ...endpoints,
      inbox: this.#fanOut,
      replays: this.#replays,
      onRejected: (rejection) => this.#logger.warn({ event: 'webhook_rejected', ...rejection }, `webhook refused: ${rejection.reason}`),
      onReplay: (replay) =>
        this.#logger.warn({ event: 'webhook_replayed', ...replay }, `webhook replay answered but not delivered: ${replay.format} message id already delivered`),
    });
  }

  /** The inboxes' config has stopped: no more messages for it. */
  retire(inbox: WebhookSink | undefined): void {
    if (inbox !== undefined) this.#live.delete(inbox);
  }

  /** Resolves once every delivered id is saved. */
  flush(): Promise<void> {
    return this.#replays.saved();
  }
}

/**
 * `probe.webhookReplays.path`; by default beside the audit file, else in the OS temporary directory
 * under the probe's port (which tells apart probes sharing a host).
 */
export function webhookReplaysPath(settings: ProbeConfig, port: number): string {
  if (settings.webhookReplays.path !== undefined) return settings.webhookReplays.path;
  if (settings.audit !== undefined) return join(dirname(settings.audit.path), 'webhook-replays.json');
  return join(tmpdir(), 'otp-canary', `webhook-replays-${port}.json`);
}
