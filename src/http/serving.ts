// Reading requests and writing answers on our servers (the probe, the webhook receiver, the sandbox):
// one refusal type, one bounded body reader, one way to answer. Each server still words its answers
// itself (the probe's and the sandbox's APIs answer JSON, webhook senders plain text).

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request our server refuses: the status to answer, a message for the client, and extra headers. */
export class HttpRefusal extends Error {
  override readonly name = 'HttpRefusal';
  /** A machine-readable name for the refusal, for the APIs whose answers carry one (`invalid_json`). */
  readonly code: string | undefined;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions & { readonly code?: string },
  ) {
    super(message, options);
    this.code = options?.code;
  }
}

export interface BodyLimits {
  readonly maxBytes: number;
  /** Cuts the read off with the request (the client's leaving, the server's closing). */
  readonly signal?: AbortSignal;
}

/**
 * The request's body, refused with a 413 once larger than `maxBytes` (before reading, when its
 * Content-Length says so) and with a 400 when the client leaves before its end: both are the client's
 * doing, not our failure.
 */
export function readBody(req: IncomingMessage, { maxBytes, signal }: BodyLimits): Promise<Buffer> {
  const tooLarge = () => new HttpRefusal(413, `the body is larger than ${maxBytes} bytes`, { connection: 'close' }, { code: 'body_too_large' });
  if (Number(req.headers['content-length']) > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cut = (): void => void req.destroy();
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      signal?.removeEventListener('abort', cut);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      req.pause();
      reject(tooLarge());
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (cause: Error): void => {
      stop();
      reject(new HttpRefusal(400, 'the connection closed before the body ended', {}, { cause, code: 'body_incomplete' }));
    };
    const onClose = (): void => onError(new Error('the client closed the connection'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    signal?.addEventListener('abort', cut, { once: true });
    if (signal?.aborted) cut();
  });
}

/** A whole answer; nothing when one is already under way or the client has gone. HEAD gets the headers alone. */
export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, ...headers }).end(res.req.method === 'HEAD' ? undefined : body);
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `value` as a JSON answer, never cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  send(res, status, JSON_CONTENT_TYPE, `${JSON.stringify(value)}\n`, { 'cache-control': 'no-store', ...headers });
}

/**
 * Answers a refusal with its status and headers and the server's own words for it. A request whose body
 * was not read to its end cannot be followed by another on its connection: that connection is closed
 * once answered. An answer already under way is cut off instead, since its status can no longer change.
 */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, refusal: HttpRefusal, words: { readonly json: unknown } | { readonly text: string }): void {
  if (res.writableEnded) return;
  if (res.headersSent || req.socket.destroyed) {
    res.destroy();
    return;
  }
  const closing = refusal.headers.connection === 'close' || !req.complete;
  const [contentType, body] = 'json' in words ? [JSON_CONTENT_TYPE, `${JSON.stringify(words.json)}\n`] : ['text/plain; charset=utf-8', `${words.text}\n`];
  res.writeHead(refusal.status, { 'content-type': contentType, ...refusal.headers, ...(closing && { connection: 'close' }) }).end(body, () => {
    if (closing) req.destroy();
  });
}
