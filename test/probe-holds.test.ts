// The probe's hold API, served by the real process: a release gate's claim on test numbers the probe
// shares. Its token and body rules, its life (grant, renew, release, expiry), and what a hold does to
// the probe's own work: scheduled runs skipped as `held`, manual runs refused, an in-flight run waited for.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_HOLD_TTL_SECONDS } from '../src/probe-hold/protocol.js';
import { appCheck, startProbeApp, type ProbeApp } from './support/probe-app.js';
import { parseExposition, startProbeProcess, valueOf, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'probe-hold-token-5d1c';
const NUMBER = '+15555550121';
const OTHER = '+15555550122';
const EVERY_SECOND = '* * * * * *';

let dir: string;
let app: ProbeApp;
let probe: ProbeProcess;
const started: ProbeProcess[] = [];

async function startProbeWith(checks: Record<string, unknown>[], args: readonly string[] = []): Promise<ProbeProcess> {
  const path = join(dir, `otp-canary-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(path, stringify({ location: 'hold-test', probe: { token: TOKEN, host: '127.0.0.1' }, checks }));
  const process = await startProbeProcess(['--config', path, '--port', '0', ...args]);
  started.push(process);
  return process;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-probe-holds-'));
  app = await startProbeApp();
  probe = await startProbeWith([appCheck(app, 'quiet', NUMBER)]);
});

afterEach(async () => {
  // Every test ends its holds, so the next starts on free numbers.
  await Promise.all(openHolds.splice(0).map((id) => fetch(`${probe.url}/api/holds/${id}`, { method: 'DELETE', headers: withToken() })));
});

afterAll(async () => {
  await Promise.all(started.map((process) => process.stop('SIGKILL')));
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const withToken = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
const openHolds: string[] = [];

function postHold(body: unknown, headers: Record<string, string> = withToken(), target = probe): Promise<Response> {
  return fetch(`${target.url}/api/holds`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** A granted hold; released after the test unless the test releases it. */
async function hold(numbers: string[], extra: Record<string, unknown> = {}, target = probe): Promise<{ id: string; expiresAt: string }> {
  const response = await postHold({ numbers, ttlSeconds: 60, holder: 'release gate #7', ...extra }, withToken(), target);
  expect(response.status).toBe(201);
  const granted = (await response.json()) as { id: string; expiresAt: string };
  if (target === probe) openHolds.push(granted.id);
  return granted;
}

const holdUrl = (id: string, target = probe) => `${target.url}/api/holds/${id}`;

describe('the hold endpoints\' token', () => {
  it('refuses a hold without a token, or with a wrong one, with 401 and a Bearer challenge', async () => {
    const body = { numbers: [NUMBER], ttlSeconds: 60, holder: 'gate' };
    const without = await postHold(body, {});

    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toContain('Bearer');
    expect((await postHold(body, withToken('not-the-token'))).status).toBe(401);
  });

  it('refuses to renew or release a hold without the token', async () => {
    const { id } = await hold([NUMBER]);

    expect((await fetch(holdUrl(id), { method: 'PUT', body: JSON.stringify({ ttlSeconds: 60 }) })).status).toBe(401);
    expect((await fetch(holdUrl(id), { method: 'DELETE', headers: withToken('wrong') })).status).toBe(401);
    expect((await fetch(holdUrl(id), { method: 'DELETE', headers: withToken() })).status).toBe(204);
  });
});

describe('a hold request\'s body', () => {
  it.each([
    ['no numbers', { ttlSeconds: 60, holder: 'gate' }, /^numbers: /],
    ['a number that is not E.164', { numbers: [NUMBER, '555-0100'], ttlSeconds: 60, holder: 'gate' }, /^numbers\[1\]: "555-0100" is not an E\.164 phone number/],
    ['a TTL above the maximum', { numbers: [NUMBER], ttlSeconds: MAX_HOLD_TTL_SECONDS + 1, holder: 'gate' }, new RegExp(`^ttlSeconds: must be at most ${MAX_HOLD_TTL_SECONDS}`)],
    ['a TTL that is not whole seconds', { numbers: [NUMBER], ttlSeconds: 1.5, holder: 'gate' }, /^ttlSeconds: must be a whole number of seconds/],
    ['an empty holder', { numbers: [NUMBER], ttlSeconds: 60, holder: ' ' }, /^holder: must not be empty/],
    ['a field the API does not know', { numbers: [NUMBER], ttlSeconds: 60, holder: 'gate', forever: true }, /^body: .*forever/],
    ['text that is not JSON', '{"numbers": [', /^the body must be a JSON object$/],
  ])('is refused with 400 naming the field when it has %s', async (_, body, message) => {
    const response = await postHold(body);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('never echoes a full number back, even one it refuses', async () => {
    const response = await postHold({ numbers: ['+15555550199'], ttlSeconds: 0, holder: 'gate' });

    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('5555550199');
  });
});

describe('a hold\'s life', () => {
  it('is granted with 201, an id and its expiry, and logged with the numbers masked', async () => {
    const before = Date.now();
    const granted = await hold([NUMBER, OTHER], { ttlSeconds: 30 });
    const line = await probe.waitForLog((log) => log.event === 'hold_granted' && log.holdId === granted.id);

    expect(granted.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(granted.expiresAt)).toBeGreaterThanOrEqual(before + 30_000);
    expect(line).toMatchObject({ holder: 'release gate #7', numbers: ['+1555•••0121', '+1555•••0122'], ttlSeconds: 30 });
    expect(JSON.stringify(probe.logs)).not.toContain('5555550121');
  });

  it('is extended by a renewal, which answers its new expiry', async () => {
    const granted = await hold([NUMBER], { ttlSeconds: 5 });
    const renewal = await fetch(holdUrl(granted.id), { method: 'PUT', headers: withToken(), body: JSON.stringify({ ttlSeconds: 600 }) });

    expect(renewal.status).toBe(200);
    const renewed = (await renewal.json()) as { id: string; expiresAt: string };
    expect(renewed.id).toBe(granted.id);
    expect(Date.parse(renewed.expiresAt) - Date.parse(granted.expiresAt)).toBeGreaterThan(500_000);
  });

  it('ends on release (204, logged), after which the id is unknown (404)', async () => {
    const { id } = await hold([NUMBER]);

    expect((await fetch(holdUrl(id), { method: 'DELETE', headers: withToken() })).status).toBe(204);
    expect(await probe.waitForLog((log) => log.event === 'hold_released' && log.holdId === id)).toMatchObject({ numbers: ['+1555•••0121'] });
    expect((await fetch(holdUrl(id), { method: 'DELETE', headers: withToken() })).status).toBe(404);
    expect((await fetch(holdUrl(id), { method: 'PUT', headers: withToken(), body: JSON.stringify({ ttlSeconds: 60 }) })).status).toBe(404);
  });

  it('expires by itself after its TTL, logged, and the numbers are free again', async () => {
    const { id } = await hold([NUMBER], { ttlSeconds: 1 });

    expect(await probe.waitForLog((log) => log.event === 'hold_expired' && log.holdId === id, 5_000)).toMatchObject({ level: 'warn', holder: 'release gate #7' });
    expect((await fetch(holdUrl(id), { method: 'PUT', headers: withToken(), body: JSON.stringify({ ttlSeconds: 60 }) })).status).toBe(404);
    await hold([NUMBER]);
  });

  it('refuses a second hold on a held number with 409 naming the holder', async () => {
    await hold([NUMBER]);
    const second = await postHold({ numbers: [OTHER, NUMBER], ttlSeconds: 60, holder: 'another gate' });

    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({ error: 'a number is already held by "release gate #7"' });
    await hold([OTHER]);
  });

  it('answers 404 to a path that is no hold id', async () => {
    expect((await fetch(`${probe.url}/api/holds/not-an-id`, { method: 'DELETE', headers: withToken() })).status).toBe(404);
  });
});

describe('what a hold does to the probe\'s own work', () => {
  it('refuses a manual run of a check on a held number with 409 saying it is held', async () => {
    await hold([NUMBER]);
    const response = await fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() });

    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toMatch(/^the number of quiet is held by a release gate/);
  });

  it('waits for the probe\'s in-flight run on the number to end before it is granted', async () => {
    const sent = new Promise((resolve) => app.sends.once('send', resolve));
    const run = fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() });
    await sent;

    const granted = await hold([NUMBER], { waitSeconds: 10 });
    const record = (await (await run).json()) as { id: string };
    const runLine = await probe.waitForLog((log) => log.event === 'run' && log.runId === record.id);
    const grantLine = await probe.waitForLog((log) => log.event === 'hold_granted' && log.holdId === granted.id);

    expect(probe.logs.indexOf(grantLine)).toBeGreaterThan(probe.logs.indexOf(runLine));
  });

  it('is granted no sooner than settleSeconds after the probe\'s last run on the number ended', async () => {
    const record = (await (await fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() })).json()) as { id: string };

    const granted = await hold([NUMBER], { settleSeconds: 2 });
    const runLine = await probe.waitForLog((log) => log.event === 'run' && log.runId === record.id);
    const grantLine = await probe.waitForLog((log) => log.event === 'hold_granted' && log.holdId === granted.id);

    expect(Date.parse(grantLine.time as string) - Date.parse(runLine.time as string)).toBeGreaterThanOrEqual(2_000);
    await fetch(holdUrl(granted.id), { method: 'DELETE', headers: withToken() });
    await probe.waitForLog((log) => log.event === 'hold_settled' && log.holdId === granted.id, 5_000);
  });

  it('keeps the numbers held for settleSeconds after the hold ends, then frees them (logged)', async () => {
    const { id } = await hold([NUMBER], { settleSeconds: 1 });
    expect((await fetch(holdUrl(id), { method: 'DELETE', headers: withToken() })).status).toBe(204);

    expect((await fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() })).status).toBe(409);
    expect((await postHold({ numbers: [NUMBER], ttlSeconds: 60, holder: 'next gate' })).status).toBe(409);
    await probe.waitForLog((log) => log.event === 'hold_settled' && log.holdId === id, 5_000);
    expect((await fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() })).status).toBe(200);
  });

  it('answers 503 when the probe\'s in-flight run outlasts the wait, holding nothing', async () => {
    const sent = new Promise((resolve) => app.sends.once('send', resolve));
    const run = fetch(`${probe.url}/api/checks/quiet/run`, { method: 'POST', headers: withToken() });
    await sent;

    const refused = await postHold({ numbers: [NUMBER, OTHER], ttlSeconds: 60, holder: 'gate', waitSeconds: 0 });

    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toBe('the probe\'s own run on a number was still going after 0 s (waitSeconds)');
    expect((await run).status).toBe(200);
    await hold([NUMBER, OTHER]);
  });

  it('skips the scheduled runs of a held number, counted as held on /metrics, and runs them again once released', async () => {
    const busy = await startProbeWith([appCheck(app, 'busy', OTHER, { schedule: EVERY_SECOND, timeouts: { delivery: '100ms', total: '1s', step: '500ms' } })]);
    const skippedHeld = async () => valueOf(parseExposition(await (await fetch(`${busy.url}/metrics`)).text()), 'otp_canary_skipped_runs_total', { check: 'busy', reason: 'held' });
    expect(await skippedHeld()).toBe(0);

    const { id } = await hold([OTHER], { waitSeconds: 10 }, busy);
    // The hold's answer can overtake the log line of the run that ended just before the grant: count the runs
    // logged before the grant's own line, which the probe writes to the same stdout in order.
    const granted = await busy.waitForLog((log) => log.event === 'hold_granted' && log.holdId === id);
    const runsBefore = busy.logs.slice(0, busy.logs.indexOf(granted)).filter((log) => log.event === 'run').length;
    await busy.waitForLogs((log) => log.event === 'skip' && log.reason === 'held', 2);

    expect(await skippedHeld()).toBeGreaterThanOrEqual(2);
    expect(busy.logs.filter((log) => log.event === 'run').length).toBe(runsBefore);
    expect((await fetch(holdUrl(id, busy), { method: 'DELETE', headers: withToken() })).status).toBe(204);
    await busy.waitForLogs((log) => log.event === 'run', runsBefore + 1);
  });

  it('skips the scheduled controls of a held number, logged at info with the reason held', async () => {
    const controlled = await startProbeWith([appCheck(app, 'controlled', OTHER, { controls: ['wrong_code_rejected'], controlSchedule: EVERY_SECOND })]);

    await hold([OTHER], { waitSeconds: 10 }, controlled);
    const skipped = await controlled.waitForLog((log) => log.event === 'controls_skipped' && log.reason === 'held');

    expect(skipped).toMatchObject({ level: 'info', check: 'controlled' });
  });
});
