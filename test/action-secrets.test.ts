// What the Action masks: every credential a config holds (configSecrets), the forms a value can be
// printed in (SecretMasker), and every code the moment a run extracts it (the onCode hook).

import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../src/action/secrets.js';
import { parseConfig } from '../src/config/load.js';
import { configSecrets, interpolatedValues } from '../src/config/secrets.js';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { checkSpec, codeNumber, fakeWorld } from './support/fake-providers.js';

const CONFIG = `
checks:
  - name: signup-us
    number: "\${TEST_NUMBER}"
    trigger:
      type: http
      request:
        url: "https://app:pa%24s@staging.example.com/otp/send"
        headers: { Authorization: "Bearer literal-bearer-token", X-Request-Source: canary }
        json: { phone: "{{number}}", apiKey: "json-api-key" }
    inbox: { type: webhook, format: twilio, authToken: "\${TWILIO_AUTH_TOKEN}" }
    verify:
      type: http
      request: { url: "https://staging.example.com/otp/verify?tenant=$\${TENANT}", json: { phone: "{{number}}", code: "{{code}}" } }
`;
const ENV = { TEST_NUMBER: '+15555550177', TWILIO_AUTH_TOKEN: 'twilio-token-from-env', UNUSED: 'not-referenced' };

describe('configSecrets', () => {
  const config = parseConfig(CONFIG, { env: ENV });

  it('lists the value of every environment variable the config refers to, and only those', () => {
    expect(interpolatedValues(CONFIG, ENV).sort()).toEqual(['+15555550177', 'twilio-token-from-env']);
  });

  it('does not take an escaped $${NAME} for a reference', () => {
    expect(interpolatedValues('location: "$${TENANT}"\n', { TENANT: 'acme' })).toEqual([]);
  });

  it('lists credential fields written in clear: Authorization-like headers, api keys, URL passwords', () => {
    expect(configSecrets(config).sort()).toEqual(['Bearer literal-bearer-token', 'json-api-key', 'pa$s', 'twilio-token-from-env']);
  });

  it('joins both, without repeats', () => {
    expect(configSecrets(config, { text: CONFIG, env: ENV }).sort()).toEqual([
      '+15555550177',
      'Bearer literal-bearer-token',
      'json-api-key',
      'pa$s',
      'twilio-token-from-env',
    ]);
  });
});

describe('SecretMasker', () => {
  it('registers a credential in every form it could be printed in, each once', () => {
    const registered: string[] = [];
    const masker = new SecretMasker((value) => registered.push(value));
    masker.addCredential('Bearer a+b/c');
    masker.addCredential('Bearer a+b/c');
    expect(registered).toEqual(['Bearer a+b/c', 'Bearer%20a%2Bb%2Fc', 'a+b/c']);
  });

  it('registers each line of a multi-line credential', () => {
    const registered: string[] = [];
    new SecretMasker((value) => registered.push(value)).addCredential('-----BEGIN KEY-----\nMIIEvQ\n-----END KEY-----');
    expect(registered).toEqual(expect.arrayContaining(['-----BEGIN KEY-----', 'MIIEvQ', '-----END KEY-----']));
  });

  it('scrubs credentials from the strings of a value, leaving numbers and keys alone', () => {
    const masker = new SecretMasker(() => {});
    masker.addCredential('s3cret-token');
    expect(masker.scrub({ detail: 'answered 401 to s3cret-token', 's3cret-token': 42, list: ['s3cret-token'] })).toEqual({
      detail: 'answered 401 to ••••',
      's3cret-token': 42,
      list: ['••••'],
    });
  });

  it('masks codes in the log without scrubbing digits out of reports', () => {
    const registered: string[] = [];
    const masker = new SecretMasker((value) => registered.push(value));
    masker.addCode('482913');
    expect(registered).toEqual(['482913']);
    expect(masker.scrub({ totalMs: '482913' })).toEqual({ totalMs: '482913' });
  });
});

describe('the onCode hook of a run', () => {
  it('hands over the raw code once, while the record keeps it masked', async () => {
    const world = fakeWorld();
    const seen: string[] = [];
    const leases = new NumberLeases({ sleep: world.clock.sleep });
    const record = await world.clock.run(
      runCheck(checkSpec(), world.providers, { clock: world.clock, sleep: world.clock.sleep, leases, onCode: (code) => seen.push(code) }),
    );
    expect(record.outcome).toBe('success');
    expect(seen).toEqual([codeNumber(0)]);
    expect(record.code).not.toBe(codeNumber(0));
  });
});
