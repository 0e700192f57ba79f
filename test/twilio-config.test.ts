import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { configSecrets } from '../src/config/secrets.js';
import { prepareChecks } from '../src/wiring/prepare-checks.js';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const SERVICE_SID = `VA${'b'.repeat(32)}`;

function yaml(credentials = 'authToken: "${TWILIO_AUTH_TOKEN}"') {
  return `
checks:
  - name: signup-us
    number: "+15555550100"
    trigger: &twilio-verify
      type: twilio-verify
      accountSid: "${ACCOUNT_SID}"
      ${credentials}
      serviceSid: "${SERVICE_SID}"
    verify: *twilio-verify
    inbox: { type: twilio, accountSid: "${ACCOUNT_SID}", ${credentials.replace(/\n\s*/g, ' ')} }
`;
}

const env = { TWILIO_AUTH_TOKEN: 'token-from-env' };

function problemsOf(text: string) {
  try {
    parseConfig(text, { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('twilio config blocks', () => {
  it('one twilio-verify block serves trigger and verify through a YAML anchor, beside a twilio inbox', async () => {
    const config = parseConfig(yaml(), { env });
    expect(config.checks[0]?.trigger).toMatchObject({ type: 'twilio-verify', authToken: 'token-from-env', channel: 'sms' });
    const prepared = await prepareChecks(config);
    try {
      const { trigger, inbox, verifier } = prepared.checks[0]!.providers;
      expect([trigger.type, inbox.type, verifier.type]).toEqual(['twilio-verify', 'twilio', 'twilio-verify']);
    } finally {
      await prepared.close();
    }
  });

  it('takes an API key and secret instead of the auth token', () => {
    const config = parseConfig(yaml(`apiKey: { sid: SK${'c'.repeat(32)}, secret: key-secret }`), { env });
    expect(config.checks[0]?.inbox).toMatchObject({ type: 'twilio', apiKey: { secret: 'key-secret' }, pollIntervalMs: 2_000 });
  });

  it('wants exactly one of authToken and apiKey', () => {
    expect(problemsOf(yaml(''))).toContain(
      "checks[0].trigger.authToken: give the account's authToken or an apiKey { sid, secret }, one of the two",
    );
  });

  it('names a malformed Service SID', () => {
    expect(problemsOf(yaml().replace(SERVICE_SID, 'VA123'))).toContain('checks[0].trigger.serviceSid: must be a Verify Service SID: VA followed by 32 hex digits');
  });

  it('lists the auth token and the API key secret among the secrets to mask', () => {
    const text = yaml(`apiKey: { sid: SK${'c'.repeat(32)}, secret: key-secret }`);
    expect(configSecrets(parseConfig(text, { env }), { text, env })).toContain('key-secret');
    const withToken = yaml();
    expect(configSecrets(parseConfig(withToken, { env }), { text: withToken, env })).toContain('token-from-env');
  });
});
