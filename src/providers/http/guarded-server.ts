// node:http servers that face clients we do not control (the probe, the webhook receiver, the sandbox).
// Every connection is bounded: one that never sends a byte, a trickled header or body, an idle kept-alive
// connection are all cut off, so none can hold a socket and its buffers for long (Node alone keeps a
// silent connection forever, and waits 60 s for headers and 5 min for a request); the connections open
// at once share the process's budget (connection-budget.ts); a request Node cannot parse is answered
// with the status that says why, never with an exception.

import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { processConnectionBudget, type ConnectionBudget } from './connection-budget.js';

export interface ConnectionLimits {
  /** A connection waiting for a request, from its opening or from its previous answer, is closed after this long. */
  readonly idleTimeoutMs: number;
  /** From a request's first byte to the end of its headers. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte to the end of its body; the answer is not timed. */
  readonly requestTimeoutMs: number;
  /** Requests one connection carries; the last answer says `Connection: close`. */
  readonly maxRequestsPerConnection: number;
  /** How often connections are checked against the header and request timeouts: a cut-off lags by up to this much. */
  readonly checkIntervalMs: number;
  /** The connections this server holds, shared with the process's other servers unless a test gives its own. */
  readonly connections?: ConnectionBudget;
}

/**
 * Webhook senders post a few hundred bytes at once (Twilio gives up after 15 s); our clients, less.
 * Idle connections are closed after Node's own keep-alive default of 5 s (Node adds a second's margin to
 * kept-alive ones, so a client reusing one right at the limit is not cut mid-request).
 */
export const CONNECTION_LIMITS: ConnectionLimits = {
  idleTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxRequestsPerConnection: 100,
  checkIntervalMs: 1_000,
};

export function createGuardedServer(listener: RequestListener, limits: ConnectionLimits = CONNECTION_LIMITS): Server {
  const budget = limits.connections ?? processConnectionBudget();
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      budget.requestStarted(req.socket);
      res.once('close', () => budget.answered(req.socket));
      const served = (requestsServed.get(req.socket) ?? 0) + 1;
      requestsServed.set(req.socket, served);
      // Node says `Connection: close` on the last answer yet leaves the connection open; this closes it.
      if (served >= limits.maxRequestsPerConnection) res.setHeader('connection', 'close');
      listener(req, res);
    },
  );
  const requestsServed = new WeakMap<Socket, number>();
  // Pipelined requests past the last are answered 503 by Node.
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  server.on('connection', (socket: Socket) => {
    budget.admit(socket);
    closeIfSilent(socket, limits.idleTimeoutMs);
  });
  server.on('clientError', answerClientError);
  return server;
}

/** Node's header timeout starts at a request's first byte: a connection that sends none needs its own. */
function closeIfSilent(socket: Socket, idleTimeoutMs: number): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => {
    if (socket.bytesRead === 0) socket.destroy();
  }, idleTimeoutMs).unref();
  socket.once('close', () => clearTimeout(timer));
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

/** A request our server refuses: the status to answer, a message for the client, and extra headers. */
export class HttpRefusal extends Error {
  override readonly name = 'HttpRefusal';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
