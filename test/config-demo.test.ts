import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { demoConfig, loadConfig, parseConfig } from '../src/config/index.js';

const examplePath = (name: string) => new URL(`../examples/${name}`, import.meta.url).pathname;

describe('demo config', () => {
  const demo = demoConfig();

  test('examples/demo.yml parses to exactly demoConfig()', async () => {
    expect(await loadConfig(examplePath('demo.yml'), {})).toEqual(demo);
  });

  test('runs on the sandbox alone, with numbers in the fictional 555-01xx range', () => {
    for (const check of demo.checks) {
      expect([check.trigger.type, check.inbox.type, check.verify.type]).toEqual(['sandbox', 'sandbox', 'sandbox']);
      expect(check.number).toMatch(/^\+155555501\d\d$/);
    }
  });

  test('keeps the delivery timeout to a few seconds so a lost SMS does not stall the demo', () => {
    for (const check of demo.checks) expect(check.timeouts.deliveryMs).toBeLessThanOrEqual(5_000);
  });

  test('is seeded, so every run draws the same delays, fates and faults', () => {
    expect(demo.sandbox.seed).toBe(9);
  });

  test('gates on thresholds its seeded runs meet with margin, so `npm start` ends with a passing verdict', () => {
    expect(demo.gate).toEqual({ minSuccessRate: 0.5, maxP95DeliverySeconds: 3, failOnDegraded: false });
  });

  test("has a check whose TTL ends inside the carrier's delay tail, so sms_late shows up", () => {
    const { delayMedianMs, delayP95Ms } = demo.sandbox.carrier;
    const late = demo.checks.filter((check) => check.policy.ttlMs > delayMedianMs && check.policy.ttlMs < delayP95Ms);
    expect(late.map((check) => check.name)).toEqual(['otp-short-ttl']);
  });
});

describe('examples/otp-canary.yml', () => {
  test('parses once its variables are set', async () => {
    const env = { STAGING_API_TOKEN: 'staging', TWILIO_AUTH_TOKEN: 'twilio', SMS_GATEWAY_SECRET: 'gateway-secret-5d2e9c', PROBE_TOKEN: 'probe-token-8a7f3e21' };
    const config = parseConfig(await readFile(examplePath('otp-canary.yml'), 'utf8'), { env });
    expect(config.checks.map((check) => [check.name, check.trigger.type, check.inbox.type, check.verify.type])).toEqual([
      ['signup-us', 'http', 'webhook', 'http'],
      ['login-uk', 'http', 'webhook', 'http'],
    ]);
  });

  test('names every variable it needs when none is set', async () => {
    const text = await readFile(examplePath('otp-canary.yml'), 'utf8');
    const problems = (() => {
      try {
        parseConfig(text, { env: {} });
        return [];
      } catch (error) {
        return (error as { problems: { message: string }[] }).problems.map((problem) => problem.message);
      }
    })();
    expect(new Set(problems)).toEqual(
      new Set(['STAGING_API_TOKEN', 'TWILIO_AUTH_TOKEN', 'SMS_GATEWAY_SECRET', 'PROBE_TOKEN'].map((name) => `environment variable ${name} is not set`)),
    );
  });
});
