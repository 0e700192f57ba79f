// Prometheus for tests: a loopback fake of its HTTP query API, answering in exactly its JSON shapes,
// and the real server (Debian's /usr/bin/prometheus) as a child process with its own storage, scraping
// loopback targets and evaluating rule files. Both listen on 127.0.0.1 only.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { PROMETHEUS_BINARY, requireExecutable } from './prerequisites.js';

export interface FakeAnswer {
  readonly status: number;
  /** An object is sent as JSON; a string as is. */
  readonly body: unknown;
  readonly contentType?: string;
}

export interface RecordedQuery {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The form fields: query, time, timeout. */
  readonly form: URLSearchParams;
}

export interface FakePrometheus {
  readonly url: string;
  readonly requests: readonly RecordedQuery[];
  close(): Promise<void>;
}

/** Answers every POST to `<prefix>/api/v1/query` with `answer(query)`; anything else is a 404. */
export async function startFakePrometheus(answer: (query: string, request: RecordedQuery) => FakeAnswer, prefix = ''): Promise<FakePrometheus> {
  const requests: RecordedQuery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const request: RecordedQuery = { method: req.method ?? '', path, headers: req.headers, form: new URLSearchParams(body) };
      requests.push(request);
      if (req.method !== 'POST' || path !== `${prefix}/api/v1/query`) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      const { status, body: payload, contentType } = answer(request.form.get('query') ?? '', request);
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': contentType ?? 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `{status: "success", data: {resultType: "vector", result: [{metric, value: [ts, "0.97"]}]}}`. */
export function vectorAnswer(samples: readonly { readonly labels: Record<string, string>; readonly value: number | string }[], time = 1_700_000_000): FakeAnswer {
  const format = (value: number | string) => (typeof value === 'string' ? value : Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : String(value));
  return {
    status: 200,
    body: { status: 'success', data: { resultType: 'vector', result: samples.map((s) => ({ metric: s.labels, value: [time, format(s.value)] })) } },
  };
}

/** Prometheus's error envelope, e.g. 400 bad_data for a query it cannot parse. */
export function errorAnswer(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: 'error', errorType, error } };
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query through the HTTP API; throws with Prometheus's error on a refusal. */
  query(expr: string, timeSeconds?: number): Promise<PromSample[]>;
  /** GET /api/v1/<path>; the `data` of a successful answer. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** Resolves once `check` returns a value other than undefined, polling the API meanwhile. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stderr(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of each target, scraped every second as job "otp-canary". */
  readonly targets: readonly string[];
  /** Absolute paths, evaluated every second. */
  readonly ruleFiles: readonly string[];
}

/** Starts Prometheus on a free loopback port with its own temporary storage; resolves once /-/ready answers. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = requireExecutable(PROMETHEUS_BINARY);
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles,
      scrape_configs: [{ job_name: 'otp-canary', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Prometheus exited while waiting for ${what}; stderr:\n${stderr}`);
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${last instanceof Error ? String(last) : JSON.stringify(last)}`}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    const json = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (json.status !== 'success') throw new Error(`Prometheus refused ${path} ${JSON.stringify(params)}: ${json.errorType}: ${json.error}`);
    return json.data;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    async query(expr, timeSeconds) {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>('query', {
        query: expr,
        ...(timeSeconds !== undefined && { time: String(timeSeconds) }),
      });
      if (data.resultType !== 'vector') throw new Error(`${expr} gave a ${data.resultType}, not a vector`);
      return data.result.map(({ metric, value }) => ({ metric, value: parseValue(value[1]) }));
    },
    api,
    waitFor,
    stderr: () => stderr,
    stop,
  };
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
