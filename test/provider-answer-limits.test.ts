// How a provider's answer is read when it is large, endless or cut short: a legitimately large page is
// read whole, a runaway one is cut at the cap and named as such, and none of them holds a run past its
// step. Each provider is a real loopback server.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboxQuery } from '../src/core/providers.js';
import { JSON_API_MAX_BODY_BYTES } from '../src/http/json-api.js';
import { createTwilioInbox } from '../src/providers/twilio/messages-inbox.js';
import { specExample, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { stageError } from './support/stage-error.js';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'auth-token-never-printed';
const NUMBER = '+15017122661';
const SINCE_WALL = new Date('2026-03-10T12:00:00Z');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const query = (): InboxQuery => ({ number: NUMBER, since: 0, sinceWallClock: SINCE_WALL, signal: new AbortController().signal });
const inbox = (baseUrl: string, timeoutMs = 2_000) =>
  createTwilioInbox({ credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, baseUrl, pollIntervalMs: 1_000, timeoutMs, clock: { now: () => 0, wallNow: () => SINCE_WALL } });

/** A provider that answers every request with `answer`. */
async function provider(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(answer);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('a large but legitimate answer', () => {
  it('reads a full page of 100 inbound Twilio messages (about 100 KB) whole', async () => {
    const fake: FakeTwilio = await startFakeTwilio({ username: ACCOUNT_SID, password: AUTH_TOKEN });
    closers.push(() => fake.close());
    const example = (specExample('ListMessage').messages as Record<string, unknown>[])[1]!;
    const at = new Date(SINCE_WALL.getTime() + 5_000).toUTCString().replace('GMT', '+0000');
    const messages = Array.from({ length: 100 }, (_, i) => ({
      ...example, sid: `SM${String(i).padStart(32, '0')}`, to: NUMBER, direction: 'inbound', status: 'received', error_code: null, body: `Your code is ${i}`, date_created: at, date_sent: at,
    }));
    fake.on('ListMessage', () => ({ status: 200, body: { ...specExample('ListMessage'), messages, next_page_uri: null } }));
    expect(JSON.stringify(messages).length).toBeGreaterThan(64 * 1024);

    const result = await inbox(fake.url).waitForSms(query());
    expect(result.messages).toHaveLength(100);
    expect(fake.violations).toEqual([]);
  });
});

describe('a runaway answer', () => {
  it('is cut at the cap, and the inbox_error says the body was too large', async () => {
    let written = 0;
    const url = await provider((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, ' ');
      const pump = (): void => {
        while (written < 50 * chunk.length && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('{}');
      };
      pump();
    });

    const error = await stageError(inbox(url).waitForSms(query()));
    expect(error.reason).toBe('inbox_error');
    expect((error.cause as Error).message).toBe(`the body is larger than ${JSON_API_MAX_BODY_BYTES} bytes; reading stopped there`);
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('ends an endless chunked stream at the cap rather than at the timeout', async () => {
    const url = await provider((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = (): void => {
        while (!res.destroyed && res.write('['.repeat(16 * 1024)));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });

    const started = performance.now();
    const error = await stageError(inbox(url, 60_000).waitForSms(query()));
    expect(error.reason).toBe('inbox_error');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
