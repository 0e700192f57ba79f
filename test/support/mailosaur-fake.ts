// A loopback stand-in for Mailosaur's REST API, answering with the shapes of the official SDK's models
// (MessageListResult of MessageSummary, Message): POST /api/messages/search filtered by `sentTo` and
// `receivedAfter`, newest first, with an `x-ms-delay` schedule; GET /api/messages/{id}. It listens on
// plain HTTP for our adapter and on HTTPS (a throwaway self-signed certificate) for the SDK, which only
// speaks HTTPS and always to port 443: the plain listener is also a CONNECT proxy to the HTTPS one, for
// the SDK's HTTPS_PROXY support to reach. Both share one handler and one record of requests. `POST /test/inbound` takes a
// Twilio-format inbound SMS (what the sandbox pushes when it delivers).

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answeringFailures, createRequestLog, send, type RequestLog } from './recorded-api.js';

export const FAKE_MAILOSAUR_KEY = 'mailosaur-test-key-0123456789';
export const FAKE_SERVER_ID = 'abcd1234';
export const DELAY_SCHEDULE = '250,500,1000';

export interface FakeSmsMessage {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly received: string;
}

export interface FakeMailosaur extends Omit<RequestLog, 'record' | 'nextScripted'> {
  /** Plain HTTP, for our adapter. */
  readonly url: string;
  /** The base URL the official SDK takes (it appends paths to it), reached through `proxyUrl`. */
  readonly sdkBaseUrl: string;
  /** HTTPS_PROXY for the SDK: tunnels to the HTTPS listener whatever port the SDK asks for. */
  readonly proxyUrl: string;
  /** `to` is the number as Mailosaur shows it (digits, no "+"). */
  addSms(sms: { to: string; body: string; from?: string; received?: Date }): FakeSmsMessage;
  close(): Promise<void>;
}

export async function startFakeMailosaur(): Promise<FakeMailosaur> {
  const log = createRequestLog();
  const messages: FakeSmsMessage[] = [];
  const auth = `Basic ${Buffer.from(`${FAKE_MAILOSAUR_KEY}:`).toString('base64')}`;

  const summary = (m: FakeSmsMessage) => ({ id: m.id, type: 'SMS', server: FAKE_SERVER_ID, from: [{ name: '', phone: m.from }], to: [{ name: '', phone: m.to }], received: m.received, summary: m.body.slice(0, 20), attachments: 0 });
  const full = (m: FakeSmsMessage) => ({
    ...summary(m),
    text: { body: m.body, links: [], codes: [...m.body.matchAll(/\b\d{6}\b/g)].map(([value]) => ({ value })) },
    html: {},
    attachments: [],
    metadata: {},
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await log.record(req);
    const { path } = recorded;
    const scripted = log.nextScripted(path);
    if (scripted) return send(res, scripted);
    if (path === '/test/inbound') {
      const form = recorded.body as { To: string; From: string; Body: string };
      fake.addSms({ to: form.To.replace(/\D/g, ''), from: form.From.replace(/\D/g, ''), body: form.Body });
      return send(res, { status: 200 });
    }
    if (req.headers.authorization !== auth) return send(res, { status: 401, body: '' });
    if (req.method === 'POST' && path === '/api/messages/search') {
      if (recorded.query.server !== FAKE_SERVER_ID) return send(res, { status: 404, body: '' });
      const criteria = recorded.body as { sentTo?: string };
      const after = Date.parse(recorded.query.receivedAfter ?? new Date(Date.now() - 3_600_000).toISOString());
      const items = messages
        .filter((m) => m.to === criteria.sentTo && Date.parse(m.received) >= after)
        .sort((a, b) => Date.parse(b.received) - Date.parse(a.received))
        .map(summary);
      return send(res, { status: 200, headers: { 'x-ms-delay': DELAY_SCHEDULE }, body: { items } });
    }
    const byId = /^\/api\/messages\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && byId) {
      const found = messages.find((m) => m.id === byId[1]);
      return send(res, found ? { status: 200, body: full(found) } : { status: 404, body: '' });
    }
    send(res, { status: 404, body: '' });
  }

  const onRequest = answeringFailures(handle);
  const { key, cert } = selfSignedCertificate();
  const plain = createServer(onRequest);
  const tls = createTlsServer({ key, cert }, onRequest);
  await Promise.all([plain, tls].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const tunnels = new Set<Socket>();
  plain.on('connect', (_req: IncomingMessage, client: Socket, head: Buffer) => {
    const upstream = connect((tls.address() as AddressInfo).port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => tunnels.delete(socket));
    }
  });
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;

  const fake: FakeMailosaur = {
    url: plainUrl,
    sdkBaseUrl: 'https://127.0.0.1/',
    proxyUrl: plainUrl,
    requests: log.requests,
    script: log.script,
    received: log.received,
    addSms(sms) {
      const stored = { id: randomUUID(), to: sms.to, from: sms.from ?? '15005550006', body: sms.body, received: (sms.received ?? new Date()).toISOString() };
      messages.push(stored);
      return stored;
    },
    async close() {
      for (const socket of tunnels) socket.destroy();
      for (const server of [plain, tls]) server.closeAllConnections();
      await Promise.all([plain, tls].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
  return fake;
}

/** A throwaway certificate for 127.0.0.1, made by the openssl binary. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailosaur-fake-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
