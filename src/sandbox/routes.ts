// The sandbox's HTTP face: the reference OTP service's JSON API, the handsets' inbox, and the
// /_sandbox control endpoints. Faults are injected here, in front of the endpoint groups they target.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as hold } from 'node:timers/promises';
import { scrub } from '../core/mask.js';
import type { EndpointGroup } from './ground-truth.js';
import { HttpRefusal, JSON_CONTENT_TYPE, send, sendJson, sendRefusal } from '../http/serving.js';
import { clientGone, readJsonBody } from './http.js';
import { instant } from './clock.js';
import type { SandboxWorld } from './world.js';

const E164 = /^\+[1-9]\d{6,14}$/;
/** Only to resolve request targets against: the sandbox never uses the host a client names. */
const ORIGIN = 'http://sandbox.invalid';
/** Upper bound of any long-poll, so a forgotten client cannot pin a connection for ever. */
const MAX_WAIT_MS = 60_000;

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Aborted when the client leaves or the sandbox closes. */
  readonly signal: AbortSignal;
}

type Handler = (exchange: Exchange) => Promise<void>;

export interface RequestHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves once every request has been handled and its answer handed to the socket. */
  drain(): Promise<void>;
}

export function createRequestHandler(world: SandboxWorld, closing: AbortSignal): RequestHandler {
  const faulty = (group: EndpointGroup, handler: Handler): Handler => withFaults(world, group, handler);
  const routes: Record<string, Handler> = {
    'POST /api/otp/send': faulty('send', (ex) => sendOtp(world, ex)),
    'POST /api/otp/verify': faulty('verify', (ex) => verifyOtp(world, ex)),
    'GET /api/otp/requests/:id': (ex) => requestStatus(world, ex),
    'GET /api/inbox/messages': faulty('inbox', (ex) => listMessages(world, ex)),
    'GET /_sandbox/ground-truth': async ({ res }) => sendJson(res, 200, world.truth.snapshot()),
    'GET /_sandbox/faults': async ({ res }) => sendJson(res, 200, world.faults.options),
    'POST /_sandbox/faults': async ({ req, res, signal }) => sendJson(res, 200, updateFaults(world, await readJsonBody(req, signal))),
    'POST /_sandbox/reset': async ({ res }) => {
      world.reset();
      sendJson(res, 200, { reset: true });
    },
    'GET /_sandbox/health': async ({ res }) => sendJson(res, 200, { status: 'ok' }),
  };

  /** The answer to one request; rejects with the HttpRefusal to send instead. */
  const route = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // `//` or `/\\` is a request target Node passes on but no URL can be built from.
    if (!URL.canParse(req.url ?? '/', ORIGIN)) return Promise.reject(new HttpRefusal(400, 'the request target is not a valid path', {}, { code: 'invalid_target' }));
    const url = new URL(req.url ?? '/', ORIGIN);
    const handler = routes[`${req.method ?? 'GET'} ${url.pathname.replace(/^\/api\/otp\/requests\/[^/]+$/, '/api/otp/requests/:id')}`];
    if (handler === undefined) return Promise.reject(new HttpRefusal(404, `no route for ${req.method} ${url.pathname}`, {}, { code: 'not_found' }));
    return handler({ req, res, url, signal: AbortSignal.any([clientGone(req, res), closing]) });
  };

  const inFlight = new Set<Promise<void>>();
  return {
    handle(req, res) {
      const handled = route(req, res)
        .catch((error: unknown) => {
          const refusal =
            error instanceof HttpRefusal ? error : new HttpRefusal(500, scrub(error instanceof Error ? error.message : String(error)), {}, { code: 'internal_error' });
          sendRefusal(req, res, refusal, { json: { error: refusal.code, message: refusal.message } });
        })
        .then(() => flushed(res));
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}

/** Resolves once an ended answer has been handed to the socket; at once for one never written. */
function flushed(res: ServerResponse): Promise<void> {
  if (!res.writableEnded || res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

function withFaults(world: SandboxWorld, group: EndpointGroup, handler: Handler): Handler {
  return async (exchange) => {
    const { res, req, signal } = exchange;
    const plan = world.faults.plan(group);
    if (plan.holdMs > 0) {
      world.truth.recordFault(group, 'slow', instant());
      const held = await hold(plan.holdMs, true, { signal }).catch(() => false);
      if (!held) return;
    }
    if (plan.answer) world.truth.recordFault(group, plan.answer, instant());
    switch (plan.answer) {
      case null:
        return handler(exchange);
      case 'error':
        return sendJson(res, 503, { error: 'service_unavailable' });
      case 'rateLimit': {
        const retryAfter = world.faults.options.retryAfterSeconds;
        return sendJson(res, 429, { error: 'rate_limited' }, { 'retry-after': String(retryAfter) });
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'malformed':
        return send(res, 200, JSON_CONTENT_TYPE, world.faults.malformedAsText() ? '<html><body>502 Bad Gateway</body></html>' : '{"ok":true}');
    }
  };
}

async function sendOtp(world: SandboxWorld, { req, res, signal }: Exchange): Promise<void> {
  const body = asObject(await readJsonBody(req, signal));
  const phone = e164(body['phone'], 'phone');
  const statusCallback = optionalHttpUrl(body['statusCallback'], 'statusCallback');
  const outcome = world.send(phone, statusCallback);
  switch (outcome.kind) {
    case 'accepted':
      return sendJson(res, 200, { requestId: outcome.requestId, expiresInSeconds: outcome.expiresInSeconds });
    case 'blocked':
      return sendJson(res, 403, { error: 'blocked_destination' });
    case 'throttled':
      return sendJson(res, 429, { error: 'resend_throttled' }, { 'retry-after': String(outcome.retryAfterSeconds) });
  }
}

const VERIFY_STATUS = { approved: 200, invalid_code: 401, expired: 410, max_attempts: 429, no_pending_code: 404 } as const;

async function verifyOtp(world: SandboxWorld, { req, res, signal }: Exchange): Promise<void> {
  const body = asObject(await readJsonBody(req, signal));
  const phone = e164(body['phone'], 'phone');
  const code = body['code'];
  if (typeof code !== 'string' || code.length === 0 || code.length > 32) {
    throw new HttpRefusal(400, 'code must be a string of 1 to 32 characters', {}, { code: 'invalid_code_format' });
  }
  const { result } = await world.verify(phone, code);
  sendJson(res, VERIFY_STATUS[result], result === 'approved' ? { status: 'approved' } : { error: result });
}

async function requestStatus(world: SandboxWorld, { res, url, signal }: Exchange): Promise<void> {
  const requestId = decodeURIComponent(url.pathname.slice('/api/otp/requests/'.length));
  const waitFor = url.searchParams.get('waitFor');
  if (waitFor !== null && waitFor !== 'final') throw new HttpRefusal(400, 'waitFor must be "final"', {}, { code: 'invalid_wait_for' });
  const waitMs = waitFor === 'final' ? waitParam(url, 'timeout') : 0;
  const state = await world.requestState(requestId, waitMs, signal);
  if (!state) throw new HttpRefusal(404, 'no send with this requestId', {}, { code: 'unknown_request' });
  sendJson(res, 200, state);
}

/** Message ids one inbox query may pass over; more would mean a reader looping on its own leftovers. */
const MAX_EXCLUDED = 100;

async function listMessages(world: SandboxWorld, { res, url, signal }: Exchange): Promise<void> {
  const to = e164(url.searchParams.get('to'), 'to');
  const sinceWallMs = dateParam(url, 'since', 'invalid_since') ?? 0;
  const earlierSinceWallMs = dateParam(url, 'earlierSince', 'invalid_earlier_since');
  const exclude = new Set((url.searchParams.get('exclude') ?? '').split(',').filter(Boolean));
  if (exclude.size > MAX_EXCLUDED) throw new HttpRefusal(400, `exclude lists at most ${MAX_EXCLUDED} message ids`, {}, { code: 'invalid_exclude' });
  const window = { sinceWallMs, exclude, ...(earlierSinceWallMs !== undefined && { earlierSinceWallMs }) };
  const page = await world.inbox.wait(to, window, waitParam(url, 'waitMs'), signal);
  const messages = page.messages.map(({ id, to: recipient, from, body, receivedAt }) => ({ id, to: recipient, from, body, receivedAt }));
  sendJson(res, 200, { messages, earlierCount: page.earlierCount });
}

/** An optional ISO 8601 date-time query parameter, in epoch ms. */
function dateParam(url: URL, name: string, errorCode: string): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null) return undefined;
  const wallMs = Date.parse(text);
  if (Number.isNaN(wallMs)) throw new HttpRefusal(400, `${name} must be an ISO 8601 date-time`, {}, { code: errorCode });
  return wallMs;
}

function updateFaults(world: SandboxWorld, overrides: unknown): unknown {
  try {
    return world.faults.update(overrides);
  } catch (error) {
    throw new HttpRefusal(400, (error as Error).message, {}, { code: 'invalid_faults' });
  }
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpRefusal(400, 'request body must be a JSON object', {}, { code: 'invalid_body' });
  return value as Record<string, unknown>;
}

function e164(value: unknown, field: string): string {
  if (typeof value !== 'string' || !E164.test(value)) throw new HttpRefusal(400, `${field} must be an E.164 number like +15555550100`, {}, { code: `invalid_${field}` });
  return value;
}

function optionalHttpUrl(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  throw new HttpRefusal(400, `${field} must be an http(s) URL`, {}, { code: `invalid_${field}` });
}

function waitParam(url: URL, name: string): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new HttpRefusal(400, `${name} must be a number of milliseconds`, {}, { code: `invalid_${name}` });
  return Math.min(ms, MAX_WAIT_MS);
}
