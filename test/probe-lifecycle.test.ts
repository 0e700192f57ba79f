// The probe's life as an operator sees it: refusing a bad config at start, SIGHUP reloads (a good config
// swaps, a bad one is refused while the old carries on), SIGTERM with a run cut off after the grace
// period (recorded, never lost), and --shard splitting checks by number.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { appCheck, startProbeApp, type ProbeApp } from './support/probe-app.js';
import { runCli } from './support/cli.js';
import { parseExposition, startProbeProcess, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'lifecycle-token-8d21';

let dir: string;
let app: ProbeApp;
let probe: ProbeProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-probe-life-'));
  app = await startProbeApp();
});

afterEach(async () => {
  await probe?.stop('SIGKILL');
  probe = undefined;
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(checks: unknown[], probeSettings: Record<string, unknown> = {}, name = 'otp-canary.yml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify({ location: 'life', probe: { token: TOKEN, host: '127.0.0.1', ...probeSettings }, checks }));
  return path;
}

const runNow = (check: string) => fetch(`${probe!.url}/api/checks/${check}/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
const checksIn = async () => new Set(parseExposition(await (await fetch(`${probe!.url}/metrics`)).text()).filter((s) => s.name === 'otp_canary_runs_total').map((s) => s.labels.check));

describe('a config error at start', () => {
  it('exits 2 listing every problem', async () => {
    const path = await writeConfig([appCheck(app, 'one', '+15555550121', { schedule: undefined }), appCheck(app, 'two', '+15555550122', { schedule: undefined, controls: ['single_use'] })]);

    const { code, stderr } = await runCli(['probe', '--config', path, '--port', '0']);

    expect(code).toBe(2);
    expect(stderr).toContain('checks[0].schedule: required by the probe');
    expect(stderr).toContain('checks[1].schedule: required by the probe');
    expect(stderr).toContain('checks[1].controlSchedule: required by the probe when controls are listed');
  });

  it('exits 2 when webhook checks disagree on the credentials of the probe\'s one webhook endpoint', async () => {
    const twilio = (name: string, number: string, authToken: string) => ({ ...appCheck(app, name, number), inbox: { type: 'webhook', format: 'twilio', authToken } });
    const path = await writeConfig([twilio('one', '+15555550121', 'token-a'), twilio('two', '+15555550122', 'token-b')]);

    const { code, stderr } = await runCli(['probe', '--config', path, '--port', '0']);

    expect(code).toBe(2);
    expect(stderr).toContain("checks[1].inbox.authToken: differs from checks[0], which shares the probe's one webhook endpoint");
    expect(stderr).not.toContain('token-a');
  });
});

describe('SIGHUP', () => {
  it('swaps to a valid new config: new checks run, removed checks\' series are gone', async () => {
    const path = await writeConfig([appCheck(app, 'old', '+15555550131')]);
    probe = await startProbeProcess(['--config', path, '--port', '0']);
    await probe.waitForLog((line) => line.event === 'schedules_registered');

    await writeConfig([appCheck(app, 'new', '+15555550132')]);
    probe.child.kill('SIGHUP');
    await probe.waitForLog((line) => line.event === 'reloaded');

    expect(await checksIn()).toEqual(new Set(['new']));
    expect((await runNow('new')).status).toBe(200);
    expect((await runNow('old')).status).toBe(404);
  });

  it('refuses an invalid new config with a logged error and keeps the running one', async () => {
    const path = await writeConfig([appCheck(app, 'steady', '+15555550141')]);
    probe = await startProbeProcess(['--config', path, '--port', '0']);
    await probe.waitForLog((line) => line.event === 'schedules_registered');

    await writeFile(path, 'checks:\n  - name: Broken Name\n');
    probe.child.kill('SIGHUP');
    const refused = await probe.waitForLog((line) => line.event === 'reload_refused');

    expect(refused.level).toBe('error');
    expect(refused.msg).toContain('checks[0].name');
    expect(await checksIn()).toEqual(new Set(['steady']));
    expect((await runNow('steady')).status).toBe(200);
  });
});

describe('SIGTERM', () => {
  it('cuts off a run still going after the grace period, records it as cancelled in logs and audit, and exits 0', async () => {
    const auditPath = join(dir, 'audit', 'audit.jsonl');
    const path = await writeConfig([appCheck(app, 'slow', '+15555550151', { timeouts: { delivery: '20s', total: '30s', step: '1s' } })], {
      audit: { path: auditPath },
    });
    probe = await startProbeProcess(['--config', path, '--port', '0', '--grace', '300ms']);
    const sent = new Promise((resolve) => app.sends.once('send', resolve));
    const answer = runNow('slow').catch(() => undefined);
    await sent;

    const code = await probe.stop('SIGTERM');
    await answer;

    expect(code).toBe(0);
    const run = probe.logs.find((line) => line.event === 'run');
    expect(run).toMatchObject({ check: 'slow', outcome: 'failure', reason: 'internal_error', origin: 'probe', cancelled: true });
    expect(probe.logs.map((line) => line.event)).toEqual(expect.arrayContaining(['cut_off', 'stopped']));
    const audited = (await readFile(auditPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audited).toEqual([expect.objectContaining({ kind: 'run', id: run!.runId, cancelled: true })]);
  });

  it('lets a run that ends within the grace period finish as itself', async () => {
    const path = await writeConfig([appCheck(app, 'brief', '+15555550161', { timeouts: { delivery: '300ms', total: '3s', step: '1s' } })]);
    probe = await startProbeProcess(['--config', path, '--port', '0', '--grace', '10s']);
    const sent = new Promise((resolve) => app.sends.once('send', resolve));
    void runNow('brief').catch(() => undefined);
    await sent;

    expect(await probe.stop('SIGTERM')).toBe(0);
    const run = probe.logs.find((line) => line.event === 'run');
    expect(run).toMatchObject({ check: 'brief', reason: 'sms_not_received' });
    expect(run).not.toHaveProperty('cancelled');
  });
});

describe('--shard', () => {
  it('splits checks by number across replicas: disjoint, complete, and checks sharing a number together', async () => {
    const numbers = ['+15555550171', '+15555550172', '+15555550173', '+15555550174', '+15555550175', '+15555550176'];
    const checks = [...numbers.map((number, index) => appCheck(app, `c${index}`, number)), appCheck(app, 'c0-twin', numbers[0]!)];
    const path = await writeConfig(checks);
    const scheduled: string[][] = [];
    for (const shard of ['0/2', '1/2']) {
      const replica = await startProbeProcess(['--config', path, '--port', '0', '--shard', shard]);
      scheduled.push((await replica.waitForLog((line) => line.event === 'schedules_registered')).checks as string[]);
      await replica.stop();
    }

    expect(scheduled.map((names) => names.length > 0)).toEqual([true, true]);
    expect([...scheduled[0]!, ...scheduled[1]!].sort()).toEqual(checks.map((check) => check.name).sort());
    expect(scheduled.find((names) => names.includes('c0'))).toContain('c0-twin');
  });
});
