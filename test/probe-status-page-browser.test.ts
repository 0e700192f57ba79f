// The status page in a real browser (headless Chromium): it shows the checks and their runs, and text
// from outside (here an app's refusal message carrying a <script>) is shown as text, never run.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHROMIUM_BINARY, requireExecutable } from './support/prerequisites.js';
import { appCheck, startProbeApp, type ProbeApp } from './support/probe-app.js';
import { startProbeProcess, type ProbeProcess } from './support/probe-process.js';

const TOKEN = 'browser-token-66a1';
const ATTACK = '<script>window.__pwned = 1</script>';

let dir: string;
let app: ProbeApp;
let probe: ProbeProcess;
let browser: Browser;
let record: { reason: string; detail: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-probe-page-'));
  app = await startProbeApp();
  app.refusal = ATTACK;
  app.smsBody = `Your code is 482913 ${ATTACK}`;
  const path = join(dir, 'otp-canary.yml');
  await writeFile(path, stringify({ location: 'browser-test', probe: { token: TOKEN, host: '127.0.0.1' }, checks: [appCheck(app, 'signup-xss', '+15555550181')] }));
  probe = await startProbeProcess(['--config', path, '--port', '0']);
  app.smsTo = probe.url;
  const response = await fetch(`${probe.url}/api/checks/signup-xss/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  record = (await response.json()) as typeof record;
  browser = await chromium.launch({
    executablePath: requireExecutable(CHROMIUM_BINARY),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  // Unset when beforeAll failed part way.
  await (browser as Browser | undefined)?.close();
  await (probe as ProbeProcess | undefined)?.stop('SIGKILL');
  await (app as ProbeApp | undefined)?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the status page in Chromium', () => {
  it('carries the attacker-controlled refusal in the run record it shows', () => {
    expect(record.reason).toBe('code_rejected');
    expect(record.detail).toContain(ATTACK);
  });

  it('shows the check, its last outcome and the failure reason', async () => {
    const page = await browser.newPage();
    await page.goto(`${probe.url}/`);

    expect(await page.title()).toBe('otp-canary browser-test');
    const summary = page.locator('table').first();
    await expect(summary.locator('tbody tr').first().textContent()).resolves.toMatch(/signup-xss.*\+1555•••0181.*failure.*code_rejected: 1/);
    await page.close();
  });

  it('shows the <script> as text and never runs it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${probe.url}/`);

    expect(await page.locator('td.detail').first().textContent()).toContain(ATTACK);
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    expect(errors).toEqual([]);
    const screenshot = join(dir, 'status-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(1000);
    await page.close();
  });
});
