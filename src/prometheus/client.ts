// A small client for Prometheus's instant-query API (POST /api/v1/query): one connection pool with a
// connect timeout, a hard deadline and a capped body per query, and errors that name the server, the
// query and what went wrong. The only I/O of the Prometheus-backed gate.

import { Agent } from 'undici';
import { exchange, type HttpAnswer } from '../http/exchange.js';
import type { VectorSample } from './slo.js';

export interface PrometheusClientOptions {
  /** Prometheus's base URL; a path prefix (behind a proxy) is kept: `https://host/prometheus`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** Per query, connection included. */
  readonly timeoutMs?: number;
}

export interface InstantQueryResult {
  readonly samples: VectorSample[];
  /** Prometheus's own warnings about the answer (e.g. a partial result). */
  readonly warnings: string[];
}

export interface PrometheusClient {
  /** Evaluates `expr` at `timeMs` (ms since the epoch); it must answer an instant vector. */
  query(expr: string, timeMs: number): Promise<InstantQueryResult>;
  /** Closes the pooled connections, so nothing keeps the process alive. */
  close(): Promise<void>;
}

/** A query Prometheus refused or could not be asked; the message names the server and the query. */
export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
}

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/** An SLO answer is a few series per check; anything near this is not the answer we asked for. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const base = new URL(options.url);
  const endpoint = new URL('api/v1/query', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const dispatcher = new Agent({ connect: { timeout: timeoutMs } });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(options.bearerToken !== undefined && { authorization: `Bearer ${options.bearerToken}` }),
  };
  // Prometheus stops evaluating at its own timeout a little before ours, so it answers with a reason.
  const serverTimeout = `${Math.max(1, Math.floor((timeoutMs * 0.9) / 1000))}s`;

  return {
    async query(expr, timeMs) {
      const body = new URLSearchParams({ query: expr, time: (timeMs / 1000).toFixed(3), timeout: serverTimeout }).toString();
      const fail = (what: string, cause?: unknown): never => {
        throw new PrometheusQueryError(`Prometheus at ${base.origin}${base.pathname.replace(/\/$/, '')} ${what}; query: ${expr}`, { cause });
      };
      const answer = await exchange(
        { method: 'POST', url: endpoint, headers, body },
        { timeoutMs, signal: new AbortController().signal, dispatcher, maxBodyBytes: MAX_BODY_BYTES },
      );
      if (answer.kind === 'transport') return fail(`could not be queried: ${answer.description}`, answer.cause);
      return parseAnswer(answer, fail);
    },
    close: () => dispatcher.close(),
  };
}

/** Prometheus's envelope: `{status: "success", data: {resultType, result}, warnings?}` or `{status: "error", errorType, error}`. */
function parseAnswer(answer: HttpAnswer, fail: (what: string, cause?: unknown) => never): InstantQueryResult {
  if (answer.truncated) return fail(`answered more than ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch (error) {
    return fail(`answered ${answer.status} with a body that is not Prometheus's JSON (${describeBody(answer)})`, error);
  }
  if (!isRecord(json)) return fail(`answered ${answer.status} with JSON that is not Prometheus's answer`);
  if (json['status'] === 'error' || answer.status < 200 || answer.status >= 300) {
    const detail = typeof json['error'] === 'string' ? `: ${typeof json['errorType'] === 'string' ? json['errorType'] : 'error'}: ${json['error']}` : '';
    return fail(`refused the query (${answer.status}${detail})`);
  }
  const data = json['data'];
  if (json['status'] !== 'success' || !isRecord(data) || !Array.isArray(data['result'])) {
    return fail(`answered ${answer.status} with JSON that is not Prometheus's answer (no status "success" with data.result)`);
  }
  if (data['resultType'] !== 'vector') return fail(`answered a ${String(data['resultType'])}, not the instant vector the query should give`);
  const samples = data['result'].map((element, index) => toSample(element) ?? fail(`answered a malformed sample at data.result[${index}]`));
  const warnings = Array.isArray(json['warnings']) ? json['warnings'].filter((warning): warning is string => typeof warning === 'string') : [];
  return { samples, warnings };
}

/** `{metric: {…}, value: [1712345678.9, "0.97"]}`; values are strings and may be NaN, +Inf or -Inf. */
function toSample(element: unknown): VectorSample | undefined {
  if (!isRecord(element) || !isRecord(element['metric']) || !Array.isArray(element['value'])) return undefined;
  const [, text] = element['value'] as unknown[];
  if (typeof text !== 'string') return undefined;
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : text === 'NaN' ? NaN : Number(text);
  if (Number.isNaN(value) && text !== 'NaN') return undefined;
  const labels: Record<string, string> = {};
  for (const [name, label] of Object.entries(element['metric'])) {
    if (typeof label !== 'string') return undefined;
    labels[name] = label;
  }
  return { labels, value };
}

function describeBody(answer: HttpAnswer): string {
  const type = answer.headers['content-type'] ?? 'no content type';
  const start = answer.text.trim().slice(0, 80).replace(/\s+/g, ' ');
  return start === '' ? `${type}, empty` : `${type}: "${start}"`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
