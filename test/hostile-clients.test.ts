// Clients that send too slowly, too much, nothing at all, a target no URL can be made of, or not HTTP, and
// more connections than the server holds, against the real servers over loopback: the probe's (with its
// webhook endpoints), the webhook receiver and the sandbox. Each is cut off or refused with a status
// naming what is wrong, and the server keeps serving.

import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NumberLeases } from '../src/core/lease.js';
import { NumberHolds } from '../src/probe/holds.js';
import { createProbeMetrics } from '../src/probe/metrics.js';
import { createProbeServer, type ProbeServer } from '../src/probe/server.js';
import type { RunResult } from '../src/probe/runner.js';
import { ConnectionBudget } from '../src/http/connection-budget.js';
import { CONNECTION_LIMITS, type ConnectionLimits } from '../src/http/guarded-server.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import { createWebhookHandler, type WebhookRejection } from '../src/providers/webhook/handler.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import { startWebhookReceiver } from '../src/providers/webhook/receiver.js';
import { startSandbox } from '../src/sandbox/index.js';

const SECRET = 'gateway-secret-slow';
const TOKEN = 'probe-token-hostile';
/** A status page far larger than loopback's socket buffers: a client that does not read cannot take it all. */
const LARGE_STATUS_PAGE = 'x'.repeat(16 * 1024 * 1024);
/** Fast limits; a connection budget of its own, so one test's connections never cost another's. */
const limits = (overrides: Partial<ConnectionLimits> = {}): ConnectionLimits => ({
  headersTimeoutMs: 300,
  requestTimeoutMs: 400,
  checkIntervalMs: 50,
  answerTimeoutMs: 300,
  keepAliveTimeoutMs: 300,
  maxRequestsPerConnection: 100,
  connections: new ConnectionBudget(100),
  ...overrides,
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * The probe's server with a generic webhook endpoint; `rejections` gets every refused webhook, and a
 * manual run of check `held` answers once `runs` gives its result.
 */
async function probeServer(overrides: Partial<ConnectionLimits> = {}): Promise<{
  port: number;
  server: ProbeServer;
  rejections: WebhookRejection[];
  rejected: Promise<void>;
  runs: { started: Promise<void>; finish(result: RunResult): void };
}> {
  const rejections: WebhookRejection[] = [];
  let finish!: (result: RunResult) => void;
  const heldRun = new Promise<RunResult>((resolve) => (finish = resolve));
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
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
      statusPage: () => LARGE_STATUS_PAGE,
      recentRuns: () => [],
      maxRuns: 10,
      token: () => TOKEN,
      runNow: (check) => {
        if (check !== 'held') return 'unknown';
        onStarted();
        return heldRun;
      },
      readinessProblems: async () => [],
      webhooks: () => webhooks,
      holds: new NumberHolds(new NumberLeases(), pino({ level: 'silent' })),
    },
    limits(overrides),
  );
  const port = await server.listen(0, '127.0.0.1');
  closers.push(() => server.close());
  return { port, server, rejections, rejected, runs: { started, finish } };
}

/** A raw connection the server has accepted (its `connection` event has fired). */
async function acceptedSocket(server: ProbeServer, port: number): Promise<Socket> {
  return (await acceptedConnection(server, port)).client;
}

/** Both ends of a raw connection the server has accepted. */
async function acceptedConnection(server: ProbeServer, port: number): Promise<{ client: Socket; serverSide: Socket }> {
  const accepted = once(server.server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  const [, [serverSide]] = await Promise.all([once(client, 'connect'), accepted]);
  return { client, serverSide };
}

/** Resolves with all the server sent on `socket` once it closes. */
async function untilClosed(socket: Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  if (!socket.destroyed) await once(socket, 'close');
  return text;
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

  it('applies the connection limits unless told otherwise', () => {
    const { server } = createProbeServer({} as Parameters<typeof createProbeServer>[0]);
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout, requests: server.maxRequestsPerSocket }).toEqual({
      headers: CONNECTION_LIMITS.headersTimeoutMs,
      request: CONNECTION_LIMITS.requestTimeoutMs,
      keepAlive: CONNECTION_LIMITS.keepAliveTimeoutMs,
      requests: CONNECTION_LIMITS.maxRequestsPerConnection,
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

describe('the connections the probe server holds', () => {
  const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n';
  /** No connection is cut off by time while a test of the budget runs. */
  const UNHURRIED = { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 60_000 };

  it('cuts off a connection that sends nothing once the header timeout passes, with 408', async () => {
    const { port, server } = await probeServer({ headersTimeoutMs: 300 });
    const opened = performance.now();
    const socket = await acceptedSocket(server, port);
    expect(await untilClosed(socket)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(performance.now() - opened).toBeGreaterThanOrEqual(290);
  });

  it('by default, cuts off a connection that sends nothing within 30 s', () => {
    const { server } = createProbeServer({} as Parameters<typeof createProbeServer>[0]);
    // The header timeout counts from the connection; the check that enforces it runs every checkIntervalMs.
    expect(server.headersTimeout + CONNECTION_LIMITS.checkIntervalMs).toBeLessThanOrEqual(30_000);
  });

  it('drops a connection whose client does not take its answer once the answer timeout passes', async () => {
    const { port, server } = await probeServer({ answerTimeoutMs: 300 });
    const { client, serverSide } = await acceptedConnection(server, port);
    client.pause();
    client.write('GET / HTTP/1.1\r\nHost: probe\r\n\r\n');
    const asked = performance.now();

    await once(serverSide, 'close');
    expect(performance.now() - asked).toBeGreaterThanOrEqual(290);
    client.destroy();
  });

  it('closes a kept-alive connection that sends no next request about a second after the keep-alive timeout', async () => {
    const { port, server } = await probeServer({ keepAliveTimeoutMs: 300 });
    const socket = await acceptedSocket(server, port);
    socket.write(HEALTHZ);
    const [answer] = (await once(socket, 'data')) as [Buffer];
    const answered = performance.now();
    expect(answer.toString()).toMatch(/^HTTP\/1\.1 200 [\s\S]*connection: keep-alive/i);
    expect(await untilClosed(socket)).toBe('');
    // Node keeps a second's margin past keepAliveTimeout; its default alone would be 6 s.
    expect(performance.now() - answered).toBeLessThan(300 + 1_000 + 1_000);
  });

  it('answers at most maxRequestsPerConnection requests on one connection, the last with Connection: close, then closes it', async () => {
    const { port, server } = await probeServer({ ...UNHURRIED, maxRequestsPerConnection: 2 });
    const socket = await acceptedSocket(server, port);
    socket.write(HEALTHZ + HEALTHZ);
    const answers = (await untilClosed(socket)).split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 [\s\S]*connection: keep-alive/i);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 200 [\s\S]*connection: close/i);
  });

  it('past its budget, closes the oldest idle connection for a new one, so /healthz still answers', async () => {
    const { port, server } = await probeServer({ ...UNHURRIED, connections: new ConnectionBudget(3) });
    const idle: Socket[] = [];
    for (let i = 0; i < 5; i++) idle.push(await acceptedSocket(server, port));

    expect(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    // The fourth and fifth connection, and /healthz, each took the place of the oldest.
    expect(await Promise.all(idle.slice(0, 3).map(untilClosed))).toEqual(['', '', '']);
    expect(idle.slice(3).map((socket) => socket.readyState)).toEqual(['open', 'open']);
  });

  it('past its budget with no idle connection, closes one still sending its request body for a new one', async () => {
    const { port, server, rejections, rejected } = await probeServer({ ...UNHURRIED, connections: new ConnectionBudget(1) });
    const trickling = await acceptedSocket(server, port);
    const inHandler = once(server.server, 'request');
    trickling.write('POST /webhooks/generic HTTP/1.1\r\nHost: probe\r\nContent-Type: application/json\r\nX-Signature: sha256=00\r\nContent-Length: 1000\r\n\r\n{"to":');
    await inHandler;

    expect(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await untilClosed(trickling)).toBe('');
    await rejected;
    expect(rejections).toEqual([{ format: 'generic', status: 400, reason: 'the connection closed before the body ended' }]);
  });

  it('past its budget with no idle connection, closes one not taking its answer for a new one', async () => {
    const { port, server } = await probeServer({ ...UNHURRIED, answerTimeoutMs: 60_000, connections: new ConnectionBudget(1) });
    const { client, serverSide } = await acceptedConnection(server, port);
    client.pause();
    const answerEnded = new Promise<void>((resolve) => server.server.once('request', (_req, res: ServerResponse) => res.once('prefinish', resolve)));
    client.write('GET / HTTP/1.1\r\nHost: probe\r\n\r\n');
    await answerEnded;

    expect(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    expect(serverSide.destroyed).toBe(true);
    client.destroy();
  });

  it('closes a new connection at once when every connection is owed an answer, and the answers go on', async () => {
    const { port, runs } = await probeServer({ ...UNHURRIED, connections: new ConnectionBudget(1) });
    const run = fetch(`http://127.0.0.1:${port}/api/checks/held/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    await runs.started;

    expect(await rawExchange(port, HEALTHZ)).toBe('');
    runs.finish({ status: 'overlap' });
    expect((await run).status).toBe(409);
  });
});
