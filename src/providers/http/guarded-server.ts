// node:http servers that face clients we do not control (the probe, the webhook receiver, the sandbox).
// A client too slow to send its request is cut off, so a trickled header or body cannot hold a socket
// and the bytes buffered for it for minutes (Node's defaults: 60 s for headers, 5 min for the request);
// a request Node cannot parse is answered with the status that says why, never with an exception.

import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

export interface SlowClientLimits {
  /** From the connection (or the previous request on it) to the end of the headers. */
  readonly headersTimeoutMs: number;
  /** From the connection (or the previous request) to the end of the body; the answer is not timed. */
  readonly requestTimeoutMs: number;
  /** How often connections are checked against both: a cut-off lags by up to this much. */
  readonly checkIntervalMs: number;
}

/** Webhook senders post a few hundred bytes at once (Twilio gives up after 15 s); our clients, less. */
export const SLOW_CLIENT_LIMITS: SlowClientLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 };

export function createGuardedServer(listener: RequestListener, limits: SlowClientLimits = SLOW_CLIENT_LIMITS): Server {
  const server = createServer(
    { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs },
    listener,
  );
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
