// Hostile webhooks against the real probe process: a message let in by an unsigned Vonage endpoint
// never reaches a check that trusts only Twilio's signature, even for the same number; a captured
// signed Twilio webhook replayed after a restart is answered but not delivered; a corrupt replay memory
// is reported and replaced. Runs are started through the API and their records say what the check saw:
// the app refuses every code, so a delivered SMS ends as code_rejected and none as sms_not_received.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './support/cli.js';
import { appCheck, startProbeApp, type ProbeApp } from './support/probe-app.js';
import { startProbeProcess, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'probe-api-token-7d1c';
const TWILIO_TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const PUBLIC_URL = 'https://probe.example.com/webhooks/twilio';
const VONAGE_NUMBER = '+15555550141';
const TWILIO_NUMBER = '+15555550142';

const unsignedVonage = (app: ProbeApp, extra: Record<string, unknown> = { unsigned: true }) => ({
  ...appCheck(app, 'vonage-unsigned', VONAGE_NUMBER),
  inbox: { type: 'webhook', format: 'vonage', ...extra },
});
const twilioSigned = (app: ProbeApp) => ({
  ...appCheck(app, 'twilio-signed', TWILIO_NUMBER),
  inbox: { type: 'webhook', format: 'twilio', authToken: TWILIO_TOKEN, publicUrl: PUBLIC_URL },
});

let dir: string;
let app: ProbeApp;
let probe: ProbeProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-webhook-trust-'));
  app = await startProbeApp();
});
afterEach(async () => {
  await probe?.stop('SIGKILL');
  probe = undefined;
  app.sends.removeAllListeners();
});
afterAll(async () => {
  // Unset when beforeAll failed part way.
  await (app as ProbeApp | undefined)?.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(checks: unknown[], replaysPath = join(dir, `replays-${Math.random().toString(36).slice(2)}.json`)): Promise<string> {
  const path = join(dir, `otp-canary-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(path, stringify({ location: 'trust-test', probe: { token: TOKEN, host: '127.0.0.1', webhookReplays: { path: replaysPath } }, checks }));
  return path;
}

/** Runs the check now; `duringRun` is called once the trigger reached the app, while the run waits for its SMS. */
async function runWhile(check: string, duringRun: () => Promise<void>): Promise<{ outcome: string; reason?: string }> {
  await probe!.waitForLog((line) => line.event === 'schedules_registered');
  let acting: Promise<void> | undefined;
  app.sends.once('send', () => {
    acting = duringRun();
  });
  const response = await fetch(`${probe!.url}/api/checks/${check}/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  await acting;
  return (await response.json()) as { outcome: string; reason?: string };
}

/** An unauthenticated Vonage inbound SMS, as anyone who can reach the probe could send it. */
async function injectVonage(to: string): Promise<number> {
  const query = new URLSearchParams({ msisdn: '447700900001', to: to.slice(1), messageId: `inj-${Math.random()}`, text: 'Your code is 111111', type: 'text' });
  const response = await fetch(`${probe!.url}/webhooks/vonage?${query.toString()}`);
  return response.status;
}

const twilioParams = (sid: string) => ({ MessageSid: sid, From: '+15005550006', To: TWILIO_NUMBER, Body: 'Your code is 482913' });

/** A Twilio inbound-SMS webhook signed with the account's token, as Twilio (or someone replaying it) sends it. */
async function postTwilio(sid: string): Promise<number> {
  const params = twilioParams(sid);
  const response = await fetch(`${probe!.url}/webhooks/twilio`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, PUBLIC_URL, params) },
    body: new URLSearchParams(params).toString(),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('an unsigned Vonage inbox beside a Twilio-signed one', () => {
  it('never hands an unauthenticated Vonage message to the Twilio-signed check, even for its number', async () => {
    probe = await startProbeProcess(['--config', await writeConfig([unsignedVonage(app), twilioSigned(app)]), '--port', '0']);
    let status: number | undefined;
    const record = await runWhile('twilio-signed', async () => void (status = await injectVonage(TWILIO_NUMBER)));
    expect(status).toBe(204);
    expect(record).toMatchObject({ outcome: 'failure', reason: 'sms_not_received' });
  });

  it('still hands the Twilio-signed check the messages Twilio signed', async () => {
    probe = await startProbeProcess(['--config', await writeConfig([unsignedVonage(app), twilioSigned(app)]), '--port', '0']);
    const record = await runWhile('twilio-signed', async () => {
      await postTwilio('SM00000000000000000000000000000001');
    });
    expect(record).toMatchObject({ outcome: 'failure', reason: 'code_rejected' });
  });

  it('logs one warning at start naming the check that accepts unauthenticated SMS', async () => {
    probe = await startProbeProcess(['--config', await writeConfig([unsignedVonage(app), twilioSigned(app)]), '--port', '0']);
    const warning = await probe.waitForLog((line) => line.event === 'config_warning');
    expect(warning).toMatchObject({ level: 'warn', check: 'vonage-unsigned', path: 'checks[0].inbox.unsigned', msg: expect.stringContaining('accepts unauthenticated SMS') });
    await probe.waitForLog((line) => line.event === 'schedules_registered');
    expect(probe.logs.filter((line) => line.event === 'config_warning')).toHaveLength(1);
  });
});

describe('otp-canary validate', () => {
  it('refuses a Vonage inbox that is neither signed nor says unsigned: true, naming the path', async () => {
    const { code, stderr } = await runCli(['validate', '--config', await writeConfig([twilioSigned(app), unsignedVonage(app, {})])]);
    expect(code).toBe(2);
    expect(stderr).toContain('checks[1].inbox.signatureSecret: required unless unsigned: true');
  });

  it('accepts unsigned: true and warns that the check accepts unauthenticated SMS', async () => {
    const { code, stdout, stderr } = await runCli(['validate', '--config', await writeConfig([twilioSigned(app), unsignedVonage(app)])]);
    expect(code).toBe(0);
    expect(stdout).toContain('valid (2 checks');
    expect(stderr).toBe('warning: checks[1].inbox.unsigned: check "vonage-unsigned" accepts unauthenticated SMS: anyone who can reach /webhooks/vonage can put a message in its inbox; set signatureSecret to check Vonage\'s signature\n');
  });
});

describe('a signed Twilio webhook replayed after a restart', () => {
  it('is answered 200 but not delivered, and logged as a replay', async () => {
    const replays = join(dir, 'restart', 'webhook-replays.json');
    const config = await writeConfig([twilioSigned(app)], replays);
    const sid = 'SM0123456789abcdef0123456789abcdef';

    probe = await startProbeProcess(['--config', config, '--port', '0']);
    expect(await runWhile('twilio-signed', async () => {
      await postTwilio(sid);
    })).toMatchObject({ reason: 'code_rejected' });
    expect(await probe.stop()).toBe(0);

    probe = await startProbeProcess(['--config', config, '--port', '0']);
    let status: number | undefined;
    const record = await runWhile('twilio-signed', async () => void (status = await postTwilio(sid)));
    expect(status).toBe(200);
    expect(record).toMatchObject({ outcome: 'failure', reason: 'sms_not_received' });
    expect(await probe.waitForLog((line) => line.event === 'webhook_replayed')).toMatchObject({ level: 'warn', format: 'twilio' });
  });
});

describe('a corrupt replay memory', () => {
  it('is logged and replaced: the probe starts, delivers, and saves a valid file', async () => {
    const replays = join(dir, 'corrupt', 'webhook-replays.json');
    await mkdir(join(dir, 'corrupt'));
    await writeFile(replays, 'not json at all');
    probe = await startProbeProcess(['--config', await writeConfig([twilioSigned(app)], replays), '--port', '0']);

    expect(await probe.waitForLog((line) => line.event === 'webhook_replays_error')).toMatchObject({ level: 'error', msg: expect.stringContaining('is corrupt, starting empty') });
    expect(await runWhile('twilio-signed', async () => {
      await postTwilio('SM00000000000000000000000000000002');
    })).toMatchObject({ reason: 'code_rejected' });
    expect(JSON.parse(await readFile(replays, 'utf8'))).toMatchObject({ version: 1 });
  });
});
