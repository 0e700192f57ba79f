// The bundled Action's pull request comment (comment-on-pr) against a fake GitHub API on loopback,
// standing in for GITHUB_API_URL: one comment per gate, edited in place on re-runs, a refusal only a
// warning, and nothing in it or in the log that the gate must keep to itself.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { RUNTIMES, runStep } from './support/action-step.js';
import { freePort } from './support/ports.js';

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: { body?: string };
}

/** The issue-comment endpoints the Action uses, over one pull request's comments; `refuse` answers every request with that status. */
class FakeGitHubApi {
  readonly requests: RecordedRequest[] = [];
  readonly comments: { id: number; body: string; html_url: string }[] = [];
  refuse: number | undefined;
  readonly #server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      this.requests.push({ method: request.method ?? '', path, authorization: request.headers.authorization, body: text === '' ? {} : JSON.parse(text) });
      const send = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (this.refuse !== undefined) return send(this.refuse, { message: 'Resource not accessible by integration' });
      const route = `${request.method} ${path.split('?')[0]}`;
      if (route === 'GET /repos/acme/shop/issues/7/comments') return send(200, this.comments);
      if (route === 'POST /repos/acme/shop/issues/7/comments') {
        const id = 1000 + this.comments.length;
        const comment = { id, body: JSON.parse(text).body as string, html_url: `https://github.example/acme/shop/pull/7#issuecomment-${id}` };
        this.comments.push(comment);
        return send(201, comment);
      }
      const update = /^PATCH \/repos\/acme\/shop\/issues\/comments\/(\d+)$/.exec(route);
      const comment = this.comments.find((candidate) => candidate.id === Number(update?.[1]));
      if (comment === undefined) return send(404, { message: 'Not Found' });
      comment.body = JSON.parse(text).body as string;
      return send(200, comment);
    });
  });

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.#server.close();
  }
}

const authToken = `twilio-auth-${Math.random().toString(36).slice(2)}`;
const token = `ghs_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const number = '+15555550143';
let sandbox: Sandbox;
let api: FakeGitHubApi;
let config: string;
let env: Record<string, string>;

beforeAll(async () => {
  // The app under test runs in this process, so its ground truth (the codes it sent) can be read.
  const webhookPort = await freePort();
  sandbox = await startSandbox({
    carrier: { delayMedianMs: 20, delayP95Ms: 60 },
    otp: { resendWindowMs: 0 },
    webhook: { url: `http://127.0.0.1:${webhookPort}/webhooks/twilio`, authToken },
  });
  api = new FakeGitHubApi();
  const apiUrl = await api.listen();
  const dir = await mkdtemp(join(tmpdir(), 'otp-canary-pr-'));
  config = join(dir, 'otp-canary.yml');
  await writeFile(
    config,
    [
      'checks:',
      '  - name: signup',
      `    number: "${number}"`,
      `    trigger: { type: http, request: { method: POST, url: "${sandbox.url}/api/otp/send", json: { phone: "{{number}}" } } }`,
      `    inbox: { type: webhook, format: twilio, authToken: "\${TWILIO_AUTH_TOKEN}", listen: { host: 127.0.0.1, port: ${webhookPort} } }`,
      `    verify: { type: http, request: { method: POST, url: "${sandbox.url}/api/otp/verify", json: { phone: "{{number}}", code: "{{code}}" } }, expect: { status: 200 } }`,
      '    timeouts: { delivery: 2s, total: 5s, step: 2s }',
      '    policy: { resendWindow: 0s }',
      '',
    ].join('\n'),
  );
  const event = join(dir, 'event.json');
  await writeFile(event, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7 } }));
  env = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'gate',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    TWILIO_AUTH_TOKEN: authToken,
  };
});
afterAll(() => {
  api.close();
  return sandbox.close();
});
beforeEach(() => {
  api.requests.length = 0;
  api.comments.length = 0;
  api.refuse = undefined;
  sandbox.reset();
});

const gate = (inputs: Record<string, string> = {}) => ({ config, samples: '2', 'min-success-rate': '0.5', 'comment-on-pr': 'true', 'github-token': token, ...inputs });

describe('comment-on-pr on a pull_request event', () => {
  it.each(RUNTIMES)('under %s creates one comment holding the verdict and the per-check table, authenticated with github-token', async (_runtime, node) => {
    const step = await runStep(node, gate(), env);

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(api.requests.map((request) => `${request.method} ${request.path.split('?')[0]}`)).toEqual([
      'GET /repos/acme/shop/issues/7/comments',
      'POST /repos/acme/shop/issues/7/comments',
    ]);
    expect(api.requests.every((request) => request.authorization === `token ${token}`)).toBe(true);
    expect(api.comments).toHaveLength(1);
    const body = api.comments[0]!.body;
    expect(body).toMatch(/^<!-- otp-canary:[0-9a-f]{16} -->\n## ✅ OTP delivery gate passed\n/);
    expect(body).toContain('| signup | 2 | 2 | 0 | – |');
    expect(body).toContain('[The run](https://github.example/acme/shop/actions/runs/42/attempts/1)');
    expect(step.stdout).toContain('Pull request comment created: https://github.example/acme/shop/pull/7#issuecomment-1000');
  });

  it('edits that same comment on a re-run instead of posting another', async () => {
    await runStep(process.execPath, gate(), env);
    api.requests.length = 0;
    // A reviewer's reply quoting ours, marker and all, listed first: only a comment that opens with the marker is ours.
    const quote = `> ${api.comments[0]!.body.split('\n')[0]}\n\nWhy did signup slow down?`;
    api.comments.unshift({ id: 999, body: quote, html_url: 'https://github.example/acme/shop/pull/7#issuecomment-999' });

    const rerun = await runStep(process.execPath, gate({ 'min-success-rate': '1', 'max-p95-delivery-seconds': '30' }), env);

    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(api.requests.map((request) => `${request.method} ${request.path.split('?')[0]}`)).toEqual([
      'GET /repos/acme/shop/issues/7/comments',
      'PATCH /repos/acme/shop/issues/comments/1000',
    ]);
    expect(api.comments.map((comment) => comment.id)).toEqual([999, 1000]);
    expect(api.comments[0]!.body).toBe(quote);
    expect(api.comments[1]!.body).toContain('| delivery p95 | ≤ 30 s |');
    expect(rerun.stdout).toContain('Pull request comment updated: https://github.example/acme/shop/pull/7#issuecomment-1000');
  });

  it.each([
    ['passes', {}, 0],
    ['fails', { 'max-p95-delivery-seconds': '0.001' }, 1],
  ])('warns when GitHub answers 403, and the step keeps the exit code of a gate that %s', async (_verdict, thresholds, code) => {
    api.refuse = 403;

    const step = await runStep(process.execPath, gate(thresholds), env);

    expect(step.code, step.stdout + step.stderr).toBe(code);
    expect(step.stdout).toMatch(/^::warning::Pull request comment not posted: GitHub answered 403 \(Resource not accessible by integration.*pull-requests: write/m);
  });

  it('warns, and the verdict stands, when the API cannot be reached at all', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const step = await runStep(process.execPath, gate(), { ...env, GITHUB_API_URL: unreachable });

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(step.stdout).toContain(`::warning::Pull request comment not posted: connect ECONNREFUSED ${unreachable.slice('http://'.length)} (GitHub API ${unreachable})`);
    expect(step.stdout).toMatch(/^OTP delivery gate passed$/m);
  });

  it('keeps every code, the number and the token out of the comment and the log', async () => {
    const step = await runStep(process.execPath, gate({ samples: '3' }), env);
    await sandbox.idle();
    const codes = sandbox.groundTruth().sends.flatMap((send) => (send.code === null ? [] : [send.code]));

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(codes).toHaveLength(3);
    expect(step.stdout).toContain(`::add-mask::${token}`);
    const written = [api.comments[0]!.body, step.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'), step.stderr].join('\n');
    for (const code of codes) expect(written).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const secret of [token, authToken, number, number.slice(1)]) expect(written).not.toContain(secret);
  });
});

describe('comment-on-pr left alone, or off a pull request', () => {
  it('sends GitHub nothing when comment-on-pr is false', async () => {
    const step = await runStep(process.execPath, gate({ 'comment-on-pr': 'false' }), env);

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(api.requests).toEqual([]);
  });

  it('sends GitHub nothing on a push, saying so in the debug log', async () => {
    const step = await runStep(process.execPath, gate(), { ...env, GITHUB_EVENT_NAME: 'push' });

    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(api.requests).toEqual([]);
    expect(step.stdout).toContain('::debug::comment-on-pr: the event is push, not a pull request: no comment');
  });
});
