// The server kit every server of ours answers with (src/http/serving.ts), on a bare node:http server over
// loopback: the bounded body reader's refusals, and a refusal answered in the server's own words, closing
// a connection whose body was left unread.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRefusal, readBody, sendJson, sendRefusal } from '../src/http/serving.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A server answering with `handle`; a refusal it throws is answered as JSON. Resolves with its URL. */
async function serve(handle: Handler, refusals: HttpRefusal[] = []): Promise<string> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const refusal = error instanceof HttpRefusal ? error : new HttpRefusal(500, 'internal error');
      refusals.push(refusal);
      sendRefusal(req, res, refusal, { json: { error: refusal.code, message: refusal.message } });
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const echo: Handler = async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, { maxBytes: 8 })).length });

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    const answer = await request(await serve(echo), { method: 'POST', body: '12345678' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(await answer.body.json()).toEqual({ bytes: 8 });
  });

  it('refuses a body its Content-Length says is too large with a 413, before reading it, and closes the connection', async () => {
    const answer = await request(await serve(echo), { method: 'POST', body: '123456789' });
    expect(answer.statusCode).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(await answer.body.json()).toEqual({ error: 'body_too_large', message: 'the body is larger than 8 bytes' });
  });

  it('refuses a body without a length once it grows past the limit', async () => {
    const chunks = Readable.from(['12345', '67890']);
    const answer = await request(await serve(echo), { method: 'POST', body: chunks });
    expect(answer.statusCode).toBe(413);
    await answer.body.dump();
  });

  it('refuses a body whose read is cut off by its signal, as the client\'s doing', async () => {
    const refusals: HttpRefusal[] = [];
    const url = await serve(async (req) => {
      const cut = new AbortController();
      req.once('data', () => cut.abort());
      await readBody(req, { maxBytes: 1024, signal: cut.signal });
    }, refusals);
    const body = Readable.from(
      (async function* () {
        yield 'first';
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        yield 'never read';
      })(),
    );
    await request(url, { method: 'POST', body }).catch(() => undefined);
    expect(refusals).toEqual([expect.objectContaining({ status: 400, code: 'body_incomplete' })]);
  });
});

describe('sendRefusal', () => {
  it('answers in the words given, with the refusal\'s status and headers', async () => {
    const url = await serve(async (req, res) => {
      sendRefusal(req, res, new HttpRefusal(405, 'only POST', { allow: 'POST' }), { text: 'only POST' });
    });
    const answer = await request(url);
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(await answer.body.text()).toBe('only POST\n');
  });

  it('closes a connection whose request body was left unread', async () => {
    const url = await serve(async (req, res) => {
      sendRefusal(req, res, new HttpRefusal(403, 'no'), { json: { error: 'no' } });
    });
    const answer = await request(url, { method: 'POST', body: 'x'.repeat(256 * 1024) });
    expect(answer.statusCode).toBe(403);
    expect(answer.headers.connection).toBe('close');
    await answer.body.dump();
  });
});
