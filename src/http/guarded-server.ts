// node:http servers that face clients we do not control (the probe, the webhook receiver, the sandbox).
// Every connection is bounded: one that sends nothing or trickles its headers or body is cut off with a
// 408 (Node alone waits 60 s for headers and 5 min for a request), one whose client does not take its
// answer is dropped (Node alone keeps it and the answer's bytes forever), one idle between requests is
// closed, and none carries more than a set number of requests, so no client holds a socket and its
// buffers for long; the connections open at once share the process's budget (connection-budget.ts). A
// request Node cannot parse is answered with the status that says why, never with an exception.

import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { processConnectionBudget, type ConnectionBudget } from './connection-budget.js';

export interface ConnectionLimits {
  /**
   * From the connection, or from a request's first byte on a kept-alive one, to the end of its
   * headers: a connection that sends nothing at all is cut off after this long too.
   */
  readonly headersTimeoutMs: number;
  /** From the same start to the end of the body; the answer is not timed. */
  readonly requestTimeoutMs: number;
  /** How often connections are checked against both: a cut-off lags by up to this much. */
  readonly checkIntervalMs: number;
  /** From the end of an answer to the client having taken all of it; then the connection is dropped. */
  readonly answerTimeoutMs: number;
  /** A kept-alive connection is closed after this long without a next request (Node adds a second's margin). */
  readonly keepAliveTimeoutMs: number;
  /** Requests one connection carries; the last answer says `Connection: close` and the connection is closed. */
  readonly maxRequestsPerConnection: number;
  /** The connections this server holds, shared with the process's other servers unless a test gives its own. */
  readonly connections?: ConnectionBudget;
}

/** Webhook senders post a few hundred bytes at once (Twilio gives up after 15 s); our clients, less. */
export const CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  answerTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerConnection: 100,
};

export function createGuardedServer(listener: RequestListener, limits: ConnectionLimits = CONNECTION_LIMITS): Server {
  const budget = limits.connections ?? processConnectionBudget();
  const requestsServed = new WeakMap<Socket, number>();
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
    (req, res) => {
      budget.requestStarted(req, res);
      res.once('close', () => budget.answered(req));
      // `prefinish`: the answer is ended and handed to the socket; `close` follows once the client took it.
      res.once('prefinish', () => {
        const untaken = setTimeout(() => res.destroy(), limits.answerTimeoutMs).unref();
        res.once('close', () => clearTimeout(untaken));
      });
      const served = (requestsServed.get(req.socket) ?? 0) + 1;
      requestsServed.set(req.socket, served);
      // Node says `Connection: close` on the last answer yet leaves the connection open; this closes it.
      if (served >= limits.maxRequestsPerConnection) res.setHeader('connection', 'close');
      listener(req, res);
    },
  );
  // Pipelined requests past the last are answered 503 by Node.
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  server.on('connection', (socket: Socket) => budget.admit(socket));
  server.on('clientError', answerClientError);
  return server;
}

const CLIENT_ERRORS: Record<string, { readonly status: string; readonly why: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: '408 Request Timeout', why: 'the request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: '431 Request Header Fields Too Large', why: 'the request line and headers are too large' },
};

function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, why } = CLIENT_ERRORS[error.code ?? ''] ?? { status: '400 Bad Request', why: `the request is not valid HTTP (${error.code ?? error.message})` };
  const body = `${why}\n`;
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
