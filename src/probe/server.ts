// The probe's HTTP face (node:http, no framework):
//   GET  /metrics                 Prometheus text: otp_canary_* then Node's process metrics
//   GET  /healthz                 200 while the process serves requests
//   GET  /readyz                  200 once the config is loaded, schedules registered and inboxes reachable
//   GET  /                        the status page (strict CSP, no scripts)
//   GET  /api/runs?check=&limit=  recent run records, newest first, as JSON
//   POST /api/checks/{name}/run   run a check now (bearer token required)
//   POST /api/holds               keep the probe off test numbers a release gate is about to use (token required)
//   PUT|DELETE /api/holds/{id}    renew or release a hold (token required)
//   POST /webhooks/twilio|vonage|generic  inbound SMS for `inbox: { type: webhook }` (Vonage also by GET)
// A request to the run or hold endpoints without the token is a 401, counted and logged (auth-failures.ts).
// Bad input gets a 4xx and touches nothing; an unexpected error is a 500 for that request only. A client
// too slow to send its request is cut off with a 408, an idle connection closed (CONNECTION_LIMITS).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { systemClock } from '../core/providers.js';
import type { RunRecord } from '../core/types.js';
import { CONNECTION_LIMITS, createGuardedServer, type ConnectionLimits } from '../http/guarded-server.js';
import { HttpRefusal, readBody, send, sendJson, sendRefusal } from '../http/serving.js';
import type { WebhookRequestHandler } from '../providers/webhook/handler.js';
import { HOLD_PATH, HOLDS_PATH, holdRequestSchema, HoldRequestError, parseHoldBody, renewRequestSchema } from '../probe-hold/protocol.js';
import { AuthFailureLog, type AuthEndpoint, type AuthFailureReason } from './auth-failures.js';
import type { NumberHolds } from './holds.js';
import type { ProbeMetrics } from './metrics.js';
import type { RunResult } from './runner.js';
import { STATUS_PAGE_CSP } from './status-page.js';

export const DEFAULT_PROBE_PORT = 9477;
export const PROBE_PATHS = { metrics: '/metrics', healthz: '/healthz', readyz: '/readyz', status: '/', runs: '/api/runs' } as const;
/** Runs /api/runs returns when no limit is given. */
export const DEFAULT_RUNS_LIMIT = 50;
/** The most of a request body the API reads (a hold's list of numbers is far less); more is a 413. */
const API_BODY_LIMITS = { maxBytes: 16 * 1024 };

/** What the server serves; the probe implements it over its current config. */
export interface ProbeEndpoints {
  readonly metrics: ProbeMetrics;
  readonly logger: Logger;
  statusPage(): string;
  /** Newest first; undefined for a check the probe does not run. */
  recentRuns(options: { check?: string; limit: number }): readonly RunRecord[] | undefined;
  /** The most /api/runs returns. */
  readonly maxRuns: number;
  /** The configured bearer token; none means the run and hold endpoints always answer 401. */
  token(): string | undefined;
  /** undefined when no such check; `running` when a run of it is in flight. */
  runNow(check: string): Promise<RunResult> | 'unknown' | 'running';
  /** Why the probe is not ready; empty when it is. */
  readinessProblems(): Promise<readonly string[]>;
  webhooks(): WebhookRequestHandler | undefined;
  readonly holds: Pick<NumberHolds, 'grant' | 'renew' | 'release'>;
}

export interface ProbeServer {
  readonly server: Server;
  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const RUN_PATH = /^\/api\/checks\/([^/]+)\/run$/;

export function createProbeServer(endpoints: ProbeEndpoints, limits: ConnectionLimits = CONNECTION_LIMITS): ProbeServer {
  const authFailures = new AuthFailureLog({ logger: endpoints.logger, count: (endpoint) => endpoints.metrics.recordAuthFailure(endpoint), clock: systemClock });
  const authorise: Authorise = (req, endpoint) => requireToken(endpoints.token(), authFailures, req, endpoint);
  const server = createGuardedServer((req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    handle(endpoints, authorise, req, res).catch((error: unknown) => answerError(endpoints.logger, req, res, error));
  }, limits);
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(endpoints: ProbeEndpoints, authorise: Authorise, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const webhooks = endpoints.webhooks();
  if (webhooks !== undefined && (await webhooks(req, res))) return;

  const url = requestUrl(req);
  const path = url.pathname;
  const run = RUN_PATH.exec(path);
  if (run !== null) {
    allow(req, 'POST');
    await readBody(req, API_BODY_LIMITS);
    const check = decodeSegment(run[1]!);
    authorise(req, 'run');
    return runCheckNow(endpoints, res, check);
  }
  const hold = HOLD_PATH.exec(path);
  if (hold !== null) return changeHold(endpoints, authorise, req, res, hold[1]!);
  switch (path) {
    case HOLDS_PATH:
      allow(req, 'POST');
      authorise(req, 'holds');
      return grantHold(endpoints, req, res);
    case PROBE_PATHS.metrics:
      allow(req, 'GET');
      return send(res, 200, endpoints.metrics.contentType, await endpoints.metrics.render());
    case PROBE_PATHS.healthz:
      allow(req, 'GET');
      return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    case PROBE_PATHS.readyz: {
      allow(req, 'GET');
      const problems = await endpoints.readinessProblems();
      if (problems.length === 0) return send(res, 200, 'text/plain; charset=utf-8', 'ready\n');
      return send(res, 503, 'text/plain; charset=utf-8', `not ready:\n${problems.map((problem) => `  ${problem}\n`).join('')}`);
    }
    case PROBE_PATHS.status:
      allow(req, 'GET');
      res.setHeader('content-security-policy', STATUS_PAGE_CSP);
      res.setHeader('cache-control', 'no-store');
      return send(res, 200, 'text/html; charset=utf-8', endpoints.statusPage());
    case PROBE_PATHS.runs: {
      allow(req, 'GET');
      const check = url.searchParams.get('check') ?? undefined;
      const limit = runsLimit(url.searchParams.get('limit'), endpoints.maxRuns);
      const runs = endpoints.recentRuns({ ...(check !== undefined && { check }), limit });
      if (runs === undefined) throw new HttpRefusal(404, `no check is named "${check}"`);
      return sendJson(res, 200, { runs });
    }
    default:
      throw new HttpRefusal(404, `no route for ${path}`);
  }
}

async function runCheckNow(endpoints: ProbeEndpoints, res: ServerResponse, check: string): Promise<void> {
  const started = endpoints.runNow(check);
  if (started === 'unknown') throw new HttpRefusal(404, `no check is named "${check}"`);
  if (started === 'running') throw new HttpRefusal(409, `a run of ${check} is already in progress`);
  const result = await started;
  if (result.status === 'recorded') return sendJson(res, 200, result.record);
  if (result.status === 'overlap') throw new HttpRefusal(409, `a run of ${check} is already in progress`);
  if (result.status === 'number_busy') throw new HttpRefusal(409, `the number of ${check} stayed busy with another check's run`);
  if (result.status === 'held') throw new HttpRefusal(409, `the number of ${check} is held by a release gate (see the probe's hold_granted log)`);
  throw new HttpRefusal(503, 'the probe is shutting down');
}

async function grantHold(endpoints: ProbeEndpoints, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = holdBody(await readBody(req, API_BODY_LIMITS), holdRequestSchema);
  const granted = await endpoints.holds.grant(request);
  if ('id' in granted) return sendJson(res, 201, granted);
  switch (granted.status) {
    case 'conflict':
      throw new HttpRefusal(409, `a number is already held by "${granted.holder}"`);
    case 'busy':
      throw new HttpRefusal(503, `the probe's own run on a number was still going after ${granted.waitSeconds} s (waitSeconds)`, { 'retry-after': '10' });
    case 'stopping':
      throw new HttpRefusal(503, 'the probe is shutting down');
  }
}

async function changeHold(endpoints: ProbeEndpoints, authorise: Authorise, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  if (req.method !== 'PUT' && req.method !== 'DELETE') throw new HttpRefusal(405, 'only PUT (renew) and DELETE (release) are accepted here', { allow: 'PUT, DELETE' });
  authorise(req, 'holds');
  const body = await readBody(req, API_BODY_LIMITS);
  if (req.method === 'DELETE') {
    if (!endpoints.holds.release(id)) throw unknownHold();
    res.writeHead(204).end();
    return;
  }
  const renewed = endpoints.holds.renew(id, holdBody(body, renewRequestSchema).ttlSeconds);
  if (renewed === undefined) throw unknownHold();
  return sendJson(res, 200, renewed);
}

function unknownHold(): HttpRefusal {
  return new HttpRefusal(404, 'no such hold: it was released, it expired, or the probe restarted');
}

function holdBody<T extends z.ZodType>(body: Buffer, schema: T): z.output<T> {
  try {
    return parseHoldBody(body.toString('utf8'), schema);
  } catch (error) {
    if (!(error instanceof HoldRequestError)) throw error;
    throw new HttpRefusal(400, error.message, {}, { cause: error });
  }
}

/** Throws the 401 of a request to an acting endpoint without the configured token, counting and logging it. */
type Authorise = (req: IncomingMessage, endpoint: AuthEndpoint) => void;

function requireToken(token: string | undefined, authFailures: AuthFailureLog, req: IncomingMessage, endpoint: AuthEndpoint): void {
  const refused = tokenRefusal(req.headers.authorization, token);
  if (refused === undefined) return;
  authFailures.record({ endpoint, client: req.socket.remoteAddress ?? 'unknown', reason: refused });
  throw new HttpRefusal(401, 'a valid bearer token is required (probe.token in the config)', { 'www-authenticate': 'Bearer realm="otp-canary"' });
}

/** Why the request is not authorised; undefined when it is. Compares digests, so neither the token's content nor its length leaks through timing. */
function tokenRefusal(header: string | undefined, token: string | undefined): AuthFailureReason | undefined {
  if (token === undefined) return 'unset';
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) return 'missing';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token)) ? undefined : 'wrong';
}

function runsLimit(raw: string | null, max: number): number {
  if (raw === null) return Math.min(DEFAULT_RUNS_LIMIT, max);
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1) throw new HttpRefusal(400, `limit must be a whole number of at least 1, got "${raw}"`);
  return Math.min(limit, max);
}

/** `//` or `/\\` reaches us from Node, yet no URL can be built from it: the client's mistake, a 400. */
function requestUrl(req: IncomingMessage): URL {
  const base = 'http://probe.invalid';
  if (!URL.canParse(req.url ?? '/', base)) throw new HttpRefusal(400, 'the request target is not a valid path');
  return new URL(req.url ?? '/', base);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new HttpRefusal(400, 'the check name in the path is not valid percent-encoding', {}, { cause });
  }
}

function allow(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
  throw new HttpRefusal(405, `only ${method} is accepted here`, { allow: method === 'GET' ? 'GET, HEAD' : method });
}

function answerError(logger: Logger, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (!(error instanceof HttpRefusal)) logger.error({ event: 'http_error', method: req.method, path: req.url?.split('?', 1)[0], err: error }, 'request failed');
  const refusal = error instanceof HttpRefusal ? error : new HttpRefusal(500, 'internal error');
  sendRefusal(req, res, refusal, { json: { error: refusal.message } });
}
