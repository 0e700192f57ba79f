// Clients that send too slowly, too much, a target no URL can be made of, or not HTTP at all, against the
// real servers over loopback: the probe's (with its webhook endpoints), the webhook receiver and the
// sandbox. Each is cut off or refused with a status naming what is wrong, and the server keeps serving.

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NumberLeases } from '../src/core/lease.js';
import { NumberHolds } from '../src/probe/holds.js';
import { createProbeMetrics } from '../src/probe/metrics.js';
import { createProbeServer, type ProbeServer } from '../src/probe/server.js';
import { SLOW_CLIENT_LIMITS } from '../src/providers/http/guarded-server.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import { createWebhookHandler, type WebhookRejection } from '../src/providers/webhook/handler.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import { startWebhookReceiver } from '../src/providers/webhook/receiver.js';
import { startSandbox } from '../src/sandbox/index.js';

const SECRET = 'gateway-secret-slow';
const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 400, checkIntervalMs: 50 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The probe's server with a generic webhook endpoint; `rejections` gets every refused webhook. */
async function probeServer(): Promise<{ port: number; server: ProbeServer; rejections: WebhookRejection[]; rejected: Promise<void> }> {
  const rejections: WebhookRejection[] = [];
  let onRejected!: () => void;
  const rejected = new Promise<void>((resolve) => (onRejected = resolve));
  const webhooks = createWebhookHandler({
    inbox: new WebhookInbox(),
    generic: { secret: SECRET },
    onRejected: (rejection) => {
      rejections.push(rejection);
      onRejected();
    },
  });
  const server = createProbeServer(
    {
      metrics: createProbeMetrics({ version: 'test', location: 'test', checks: [] }),
      logger: pino({ level: 'silent' }),
      statusPage: () => '',
      recentRuns: () => [],
      maxRuns: 10,
      token: () => undefined,
      runNow: () => 'unknown',
      readinessProblems: async () => [],
      webhooks: () => webhooks,
      holds: new NumberHolds(new NumberLeases(), pino({ level: 'silent' })),
    },
    LIMITS,
  );
  const port = await server.listen(0, '127.0.0.1');
  closers.push(() => server.close());
  return { port, server, rejections, rejected };
}

/** Opens a raw connection, writes `head`, and resolves with all the server sent once it closes. */
async function rawExchange(port: number, head: string): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(head);
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await once(socket, 'close');
  return text;
}

describe('the probe server', () => {
  it('cuts off headers that never end with 408 and keeps serving', async () => {
    const { port } = await probeServer();
    const answer = await rawExchange(port, 'POST /webhooks/generic HTTP/1.1\r\nHost: probe\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\nthe request did not arrive in time\n$/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('cuts off a webhook body that never ends with 408, and the webhook is refused as the client\'s fault', async () => {
    const { port, rejections, rejected } = await probeServer();
    const head = 'POST /webhooks/generic HTTP/1.1\r\nHost: probe\r\nContent-Type: application/json\r\nX-Signature: sha256=00\r\nContent-Length: 1000\r\n\r\n{"to":';
    const answer = await rawExchange(port, head);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await rejected;
    expect(rejections).toEqual([{ format: 'generic', status: 400, reason: 'the connection closed before the body ended' }]);
  });

  it('still takes a webhook sent at once', async () => {
    const { port, rejections } = await probeServer();
    const body = JSON.stringify({ to: '+15555550100', body: 'Your code is 123456' });
    const answer = await fetch(`http://127.0.0.1:${port}/webhooks/generic`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': genericSignature(SECRET, body) }, body,
    });
    expect(answer.status).toBe(204);
    expect(rejections).toEqual([]);
  });

  it('answers a URL longer than the header limit with 431', async () => {
    const { port } = await probeServer();
    const answer = await rawExchange(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: probe\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[\s\S]*the request line and headers are too large\n$/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('answers a request target no URL can be built from (`//`) with 400 and keeps serving', async () => {
    const { port } = await probeServer();
    const answer = await rawExchange(port, 'GET // HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*"the request target is not a valid path"/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('applies the slow-client limits unless told otherwise', () => {
    const { server } = createProbeServer({} as Parameters<typeof createProbeServer>[0]);
    expect({ headers: server.headersTimeout, request: server.requestTimeout }).toEqual({
      headers: SLOW_CLIENT_LIMITS.headersTimeoutMs,
      request: SLOW_CLIENT_LIMITS.requestTimeoutMs,
    });
  });
});

describe('the webhook receiver and the sandbox', () => {
  it('the receiver names what is wrong with a malformed request', async () => {
    const receiver = await startWebhookReceiver({ inbox: new WebhookInbox(), generic: { secret: SECRET } });
    closers.push(() => receiver.close());
    expect(await rawExchange(Number(new URL(receiver.url).port), 'NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*the request is not valid HTTP \(HPE_\w+\)\n$/);
  });

  it('the sandbox answers an oversized request line with 431 and names a malformed one', async () => {
    const sandbox = await startSandbox();
    closers.push(() => sandbox.close());
    const port = Number(new URL(sandbox.url).port);
    expect(await rawExchange(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: s\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(port, 'NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*the request is not valid HTTP \(HPE_\w+\)\n$/);
  });

  it('the sandbox answers a request target no URL can be built from (`//`) with 400 and keeps serving', async () => {
    const sandbox = await startSandbox();
    closers.push(() => sandbox.close());
    const answer = await rawExchange(Number(new URL(sandbox.url).port), 'GET // HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*"invalid_target"/);
    expect((await fetch(`${sandbox.url}/_sandbox/health`)).status).toBe(200);
  });
});
