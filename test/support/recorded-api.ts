// What the loopback fakes of providers' JSON APIs share: every request recorded (method, path, query,
// headers, body) so a test can compare ours with the official SDK's; answers scripted per path ahead of
// the fake's own routing; waiting for requests to arrive; and writing an answer.

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON, or the form's fields; undefined when there is no body. */
  readonly body: unknown;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
}

export interface RequestLog {
  readonly requests: RecordedRequest[];
  /** Reads the request's body and records it. */
  record(req: IncomingMessage): Promise<RecordedRequest>;
  /** The next answer scripted for `path`, taken off the script. */
  nextScripted(path: string): ScriptedAnswer | undefined;
  /** Answers the next requests to `path` with these, in order, before any normal routing. */
  script: (path: string, ...answers: ScriptedAnswer[]) => void;
  /** Resolves once `count` requests to `path` have been received. */
  received: (path: string, count: number) => Promise<RecordedRequest[]>;
}

export function createRequestLog(): RequestLog {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const listeners = new Set<() => void>();
  return {
    requests,
    async record(req) {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = await readText(req);
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: text === '' ? undefined : req.headers['content-type']?.includes('json') ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text)),
      };
      requests.push(recorded);
      for (const listener of [...listeners]) listener();
      return recorded;
    },
    nextScripted(path) {
      return scripts.get(path)?.shift();
    },
    script(path, ...answers) {
      scripts.set(path, [...(scripts.get(path) ?? []), ...answers]);
    },
    received(path, count) {
      return new Promise((resolve) => {
        const check = () => {
          const seen = requests.filter((r) => r.path === path);
          if (seen.length < count) return;
          listeners.delete(check);
          resolve(seen);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** A request listener for an async handler: whatever it throws is answered 500, never left hanging. */
export function answeringFailures(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }));
  };
}

/** Writes a scripted or routed answer, unless the client already left. */
export function send(res: ServerResponse, answer: ScriptedAnswer): void {
  if (res.writableEnded || res.destroyed) return;
  const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(body);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
