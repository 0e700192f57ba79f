// A small HTTP server hosting the webhook handler, for runs that receive SMS by webhook without the
// probe (CLI, library). Anything but the webhook paths gets 404.

import type { AddressInfo } from 'node:net';
import { createGuardedServer } from '../../http/guarded-server.js';
import { send } from '../../http/serving.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './handler.js';
import { WebhookInbox, type WebhookInboxOptions } from './inbox.js';

export interface WebhookReceiverOptions extends WebhookHandlerOptions {
  readonly host?: string;
  /** 0 picks a free port; read it back from `url`. */
  readonly port?: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:43117; the endpoints are under /webhooks/. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const handle = createWebhookHandler(options);
  const server = createGuardedServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface WebhookInboxWithReceiverOptions extends WebhookInboxOptions, Omit<WebhookReceiverOptions, 'inbox'> {}

export type SelfHostedWebhookInbox = WebhookInbox & { readonly url: string; close(): Promise<void> };

/** An inbox together with the receiver that feeds it; closing the inbox stops the receiver. */
export async function createWebhookInbox(options: WebhookInboxWithReceiverOptions): Promise<SelfHostedWebhookInbox> {
  const inbox = new WebhookInbox(options);
  const receiver = await startWebhookReceiver({ ...options, inbox });
  return Object.assign(inbox, { url: receiver.url, close: () => receiver.close() });
}
