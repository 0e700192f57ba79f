// The inbound-SMS endpoints (/webhooks/twilio, /webhooks/vonage, /webhooks/generic) on the probe's own server. The probe
// serves one handler, built from the current config; after a reload, runs of the previous config may
// still be waiting for their SMS, so every message is handed to the inbox of each config still running.

import type { Logger } from 'pino';
import { createWebhookHandler, type WebhookHandlerOptions, type WebhookRequestHandler } from '../providers/webhook/handler.js';
import { WebhookInbox, type ArrivingSms } from '../providers/webhook/inbox.js';

/** Hands each arriving message to every live inbox; stores nothing itself. */
class FanOutInbox extends WebhookInbox {
  constructor(private readonly targets: ReadonlySet<WebhookInbox>) {
    super({ maxMessages: 1, maxPerNumber: 1 });
  }

  override accept(sms: ArrivingSms) {
    let stored;
    for (const inbox of this.targets) stored = inbox.accept(sms) ?? stored;
    return stored;
  }
}

export class HostedWebhooks {
  readonly #live = new Set<WebhookInbox>();
  readonly #fanOut = new FanOutInbox(this.#live);
  readonly #logger: Logger;
  #handler: WebhookRequestHandler | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** The handler of the current config; undefined when no check receives SMS by webhook. */
  get handler(): WebhookRequestHandler | undefined {
    return this.#handler;
  }

  /** Makes these options (a newly loaded config's) the ones requests are authenticated with. */
  activate(options: WebhookHandlerOptions | undefined): void {
    if (options === undefined) {
      this.#handler = undefined;
      return;
    }
    this.#live.add(options.inbox);
    this.#handler = createWebhookHandler({
      ...options,
      inbox: this.#fanOut,
      onRejected: (rejection) => this.#logger.warn({ event: 'webhook_rejected', ...rejection }, `webhook refused: ${rejection.reason}`),
    });
  }

  /** The inbox's config has stopped: no more messages for it. */
  retire(inbox: WebhookInbox | undefined): void {
    if (inbox !== undefined) this.#live.delete(inbox);
  }
}
