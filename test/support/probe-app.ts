// A stand-in for the team's app in probe tests: it answers sends (and, when told the probe's URL, texts
// the code to the probe's /webhooks/generic like an SMS gateway would), and refuses every code with a
// message of its choosing. Each send is an event, so tests can act while a run is in flight.

import { randomUUID } from 'node:crypto';
import { once, EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { genericSignature } from '../../src/providers/webhook/generic.js';

export const GATEWAY_SECRET = 'gateway-secret-9b2e';

export interface ProbeApp {
  readonly url: string;
  readonly sends: EventEmitter;
  /** Where SMS go; none are sent until it is set. */
  smsTo: string | undefined;
  smsBody: string;
  refusal: string;
  close(): Promise<void>;
}

export async function startProbeApp(): Promise<ProbeApp> {
  const sends = new EventEmitter();
  const app: ProbeApp = { url: '', sends, smsTo: undefined, smsBody: 'Your code is 482913', refusal: 'wrong code', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      if (req.url === '/send') {
        const { phone } = JSON.parse(body) as { phone: string };
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"sent"}');
        sends.emit('send', phone);
        if (app.smsTo !== undefined) void textCode(app.smsTo, phone, app.smsBody);
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: app.refusal }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(app, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}

async function textCode(probeUrl: string, to: string, text: string): Promise<void> {
  // Each SMS carries its gateway id, as gateways send: the same text again is a new message, not a replay.
  const raw = JSON.stringify({ id: randomUUID(), to, from: 'ACME', body: text });
  await fetch(`${probeUrl}/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': genericSignature(GATEWAY_SECRET, raw) },
    body: raw,
  });
}

/** A check of the app: generic webhook inbox, the app's refusal on verify. */
export function appCheck(app: ProbeApp, name: string, number: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    number,
    trigger: { type: 'http', request: { method: 'POST', url: `${app.url}/send`, json: { phone: '{{number}}' } } },
    inbox: { type: 'webhook', format: 'generic', secret: GATEWAY_SECRET },
    verify: { type: 'http', request: { method: 'POST', url: `${app.url}/verify`, json: { phone: '{{number}}', code: '{{code}}' } } },
    timeouts: { delivery: '1500ms', total: '3s', step: '1s' },
    // The app lets sends follow each other at once.
    policy: { resendWindow: '0s' },
    schedule: '0 0 1 1 *',
    ...extra,
  };
}
