// The probe's HTTP endpoints, served by the real process: every route, the token rules of the run
// endpoint, and bad input that must be refused without touching a run or the process.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { genericSignature } from '../src/providers/webhook/generic.js';
import { STATUS_PAGE_CSP } from '../src/probe/status-page.js';
import { appCheck, GATEWAY_SECRET, startProbeApp, type ProbeApp } from './support/probe-app.js';
import { parseExposition, startProbeProcess, valueOf, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'probe-api-token-31f0';
const NUMBER = '+15555550111';

let dir: string;
let app: ProbeApp;
let probe: ProbeProcess;

async function startProbeWith(settings: Record<string, unknown>): Promise<ProbeProcess> {
  const path = join(dir, `otp-canary-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(path, stringify({ location: 'server-test', probe: settings, checks: [appCheck(app, 'quiet', NUMBER)] }));
  return startProbeProcess(['--config', path, '--port', '0']);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-probe-server-'));
  app = await startProbeApp();
  probe = await startProbeWith({ token: TOKEN, host: '127.0.0.1' });
});

afterAll(async () => {
  // Unset when beforeAll failed part way.
  await (probe as ProbeProcess | undefined)?.stop('SIGKILL');
  await (app as ProbeApp | undefined)?.close();
  await rm(dir, { recursive: true, force: true });
});

const withToken = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
const runNow = (check: string, headers: Record<string, string> = withToken()) => fetch(`${probe.url}/api/checks/${check}/run`, { method: 'POST', headers });

async function runsTotal(): Promise<number | undefined> {
  return valueOf(parseExposition(await (await fetch(`${probe.url}/metrics`)).text()), 'otp_canary_runs_total', { check: 'quiet' });
}

describe('probe health endpoints', () => {
  it('answers /healthz with 200 while the process serves', async () => {
    const response = await fetch(`${probe.url}/healthz`);
    expect([response.status, await response.text()]).toEqual([200, 'ok\n']);
  });

  it('answers /readyz with 200 once the config is loaded, schedules registered and the webhook endpoints listen', async () => {
    const response = await fetch(`${probe.url}/readyz`);
    expect([response.status, await response.text()]).toEqual([200, 'ready\n']);
  });
});

describe('the status page', () => {
  it('is HTML sent with the strict CSP and nosniff', async () => {
    const response = await fetch(`${probe.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<h2>quiet</h2>');
  });
});

describe('POST /api/checks/{name}/run', () => {
  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const response = await runNow('quiet', {});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('refuses a wrong token with 401', async () => {
    expect((await runNow('quiet', withToken('not-the-token'))).status).toBe(401);
  });

  it('answers 404 for a check the probe does not run', async () => {
    const response = await runNow('nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no check is named "nope"' });
  });

  it('answers 405 to a GET', async () => {
    expect((await fetch(`${probe.url}/api/checks/quiet/run`, { headers: withToken() })).status).toBe(405);
  });

  it('runs the check and answers 200 with its record, which /api/runs then lists first', async () => {
    const response = await runNow('quiet');
    const record = (await response.json()) as { id: string; check: string; outcome: string; reason: string; number: string };

    expect(response.status).toBe(200);
    expect(record).toMatchObject({ check: 'quiet', outcome: 'failure', reason: 'sms_not_received', number: '+1555•••0111' });
    const listed = (await (await fetch(`${probe.url}/api/runs?check=quiet&limit=1`)).json()) as { runs: { id: string }[] };
    expect(listed.runs.map((run) => run.id)).toEqual([record.id]);
  });

  it('answers 409 while a run of the check is in flight', async () => {
    const sent = new Promise((resolve) => app.sends.once('send', resolve));
    const first = runNow('quiet');
    await sent;

    expect((await runNow('quiet')).status).toBe(409);
    expect((await first).status).toBe(200);
  });

  it('always answers 401 when the config sets no token', async () => {
    const tokenless = await startProbeWith({ host: '127.0.0.1' });
    try {
      const response = await fetch(`${tokenless.url}/api/checks/quiet/run`, { method: 'POST', headers: { authorization: 'Bearer ' } });
      expect(response.status).toBe(401);
    } finally {
      await tokenless.stop();
    }
  });
});

describe('failed bearer-token attempts', () => {
  it('are counted per endpoint and logged once a minute per client, never with the token; a right token counts nowhere', async () => {
    const guarded = await startProbeWith({ token: TOKEN, host: '127.0.0.1' });
    try {
      const hold = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
        fetch(`${guarded.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      const statuses = [
        (await fetch(`${guarded.url}/api/checks/quiet/run`, { method: 'POST' })).status,
        (await hold('POST', '/api/holds', withToken('guessed-token-0001'), {})).status,
        (await hold('DELETE', '/api/holds/00000000-0000-4000-8000-000000000000', withToken('guessed-token-0002'))).status,
      ];
      const granted = await hold('POST', '/api/holds', withToken(), { numbers: [NUMBER], ttlSeconds: 60, holder: 'auth test' });
      // Log lines arrive in the order written: once the grant's is here, every refusal's is too.
      await guarded.waitForLog((line) => line.event === 'hold_granted');

      expect([...statuses, granted.status]).toEqual([401, 401, 401, 201]);
      const exposition = parseExposition(await (await fetch(`${guarded.url}/metrics`)).text());
      expect(valueOf(exposition, 'otp_canary_probe_auth_failures_total', { endpoint: 'run' })).toBe(1);
      expect(valueOf(exposition, 'otp_canary_probe_auth_failures_total', { endpoint: 'holds' })).toBe(2);
      const refusals = guarded.logs.filter((line) => line.event === 'auth_failed');
      expect(refusals).toEqual([expect.objectContaining({ level: 'warn', endpoint: 'run', client: expect.stringMatching(/127\.0\.0\.1$/), reason: 'missing', suppressed: 0 })]);
      expect(JSON.stringify(guarded.logs)).not.toMatch(/guessed-token|probe-api-token/);
    } finally {
      await guarded.stop();
    }
  });
});

describe('GET /api/runs', () => {
  it('refuses a limit that is not a positive whole number with 400', async () => {
    expect((await fetch(`${probe.url}/api/runs?limit=ten`)).status).toBe(400);
  });

  it('answers 404 for a check the probe does not run', async () => {
    expect((await fetch(`${probe.url}/api/runs?check=nope`)).status).toBe(404);
  });
});

describe('bad input', () => {
  it('refuses webhook bodies over the limit (413), malformed ones (400) and bad signatures (403), none touching a run', async () => {
    const before = await runsTotal();
    const post = (body: string, signature = genericSignature(GATEWAY_SECRET, body)) =>
      fetch(`${probe.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });

    expect((await post(JSON.stringify({ to: NUMBER, body: 'x'.repeat(100_000) }))).status).toBe(413);
    expect((await post('{"to": "+1555', genericSignature(GATEWAY_SECRET, '{"to": "+1555'))).status).toBe(400);
    expect((await post(JSON.stringify({ to: NUMBER, body: 'Your code is 123456' }), 'sha256=00')).status).toBe(403);
    expect((await fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken(), body: 'x'.repeat(20_000) })).status).toBe(413);
    expect(await runsTotal()).toBe(before);
    expect((await fetch(`${probe.url}/healthz`)).status).toBe(200);
  });

  it('answers 404 for an unknown path, and for the Twilio webhook when no check receives by Twilio', async () => {
    expect((await fetch(`${probe.url}/nope`)).status).toBe(404);
    expect((await fetch(`${probe.url}/webhooks/twilio`, { method: 'POST' })).status).toBe(404);
  });

  it('answers a malformed request line with 400 and keeps serving', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(probe.url).port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${probe.url}/healthz`)).status).toBe(200);
  });
});
