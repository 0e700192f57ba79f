// Shared by the sandbox suites: a quick sandbox, raw JSON calls to its API, and a loopback receiver for
// the form POSTs it pushes.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { onTestFinished } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOverrides } from '../../src/sandbox/index.js';

export const NUMBER = '+15555550100';

/**
 * A sandbox with millisecond delays and a seed, closed when the test that started it finishes. The
 * close is the test's own (not a hook this module registers on import): the suite shares imported
 * modules between test files, so a hook registered on import would serve only the first file.
 */
export async function quickSandbox(overrides: SandboxOverrides = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    seed: 7,
    ...overrides,
    carrier: { delayMedianMs: 5, delayP95Ms: 15, ...overrides.carrier },
  });
  onTestFinished(() => sandbox.close());
  return sandbox;
}

export interface JsonAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One call to the sandbox on its own connection, so no keep-alive socket outlives the test. */
export async function api(sandbox: Sandbox, method: 'GET' | 'POST', path: string, json?: unknown): Promise<JsonAnswer> {
  const dispatcher = new Agent({ pipelining: 0 });
  try {
    const response = await request(`${sandbox.url}${path}`, {
      method,
      dispatcher,
      ...(json !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  } finally {
    await dispatcher.close();
  }
}

export function sendOtp(sandbox: Sandbox, phone = NUMBER, extra: Record<string, unknown> = {}): Promise<JsonAnswer> {
  return api(sandbox, 'POST', '/api/otp/send', { phone, ...extra });
}

export function verifyOtp(sandbox: Sandbox, code: string, phone = NUMBER): Promise<JsonAnswer> {
  return api(sandbox, 'POST', '/api/otp/verify', { phone, code });
}

/** The code the sandbox issued for a send, from its ground truth. */
export function issuedCode(sandbox: Sandbox, requestId: string): string {
  const code = sandbox.groundTruth().sends.find((send) => send.requestId === requestId)?.code;
  if (!code) throw new Error(`no code recorded for ${requestId}`);
  return code;
}

/** A code of the same length that is certainly not `code`. */
export function wrongCode(code: string): string {
  return Array.from(code).map((digit) => String((Number(digit) + 1) % 10)).join('');
}

export interface ReceivedPost {
  path: string;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  /** performance.now() when the request reached the receiver. */
  arrivedAt: number;
}

/** A loopback HTTP server that records form POSTs and answers `status`. */
export async function formReceiver(status = 200) {
  const posts: ReceivedPost[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      posts.push({ path: req.url ?? '/', headers: req.headers, params: Object.fromEntries(new URLSearchParams(body)), arrivedAt });
      res.writeHead(status, { 'content-type': 'text/xml', connection: 'close' }).end('<Response/>');
      waiters = waiters.filter((waiter) => (posts.length >= waiter.count ? (waiter.resolve(), false) : true));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    posts,
    /** Resolves once `count` posts have arrived. */
    received(count: number): Promise<ReceivedPost[]> {
      if (posts.length >= count) return Promise.resolve(posts);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(posts) }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A StageContext's signal that nobody aborts. */
export const never = new AbortController().signal;
