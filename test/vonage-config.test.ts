// The Vonage blocks of otp-canary.yml, and a whole journey through them: config → prepareChecks →
// runCheck against a loopback fake of Vonage that texts its code to otp-canary's /webhooks/vonage.

import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ConfigProblem } from '../src/config/index.js';
import { configSecrets } from '../src/config/secrets.js';
import { runControl } from '../src/core/controls.js';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { prepareChecks, type CheckEnvironment } from '../src/wiring/prepare-checks.js';
import type { WebhookHandlerOptions } from '../src/providers/webhook/handler.js';
import { startWebhookReceiver, type WebhookReceiver } from '../src/providers/webhook/receiver.js';
import { vonageSignature } from '../src/providers/vonage/signature.js';

const NUMBER = '+447700900000';

function vonageConfig({ trigger = '', verify = '{ type: vonage-verify }', inbox = '{ type: webhook, format: vonage, unsigned: true }', baseUrl = 'https://api.nexmo.com' } = {}): string {
  return `checks:
  - name: vonage-signup
    number: "${NUMBER}"
    trigger: { type: vonage-verify, apiKey: abcd1234, apiSecret: s3cr3t-value, brand: Acme, baseUrl: "${baseUrl}"${trigger} }
    inbox: ${inbox}
    verify: ${verify}
    timeouts: { delivery: 5s, total: 10s, step: 2s }
`;
}

function problemsOf(text: string): readonly ConfigProblem[] {
  try {
    parseConfig(text, { env: {}, source: 'otp-canary.yml' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('vonage-verify and the vonage webhook in the config', () => {
  it('parses the trigger with its options, channelTimeout in milliseconds', () => {
    const [check] = parseConfig(vonageConfig({ trigger: ', locale: en-gb, codeLength: 6, channelTimeout: 5m' }), { env: {} }).checks;
    expect(check!.trigger).toEqual({
      type: 'vonage-verify', apiKey: 'abcd1234', apiSecret: 's3cr3t-value', brand: 'Acme', baseUrl: 'https://api.nexmo.com', locale: 'en-gb', codeLength: 6, channelTimeoutMs: 300_000,
    });
    expect(check!.verify).toEqual({ type: 'vonage-verify' });
  });

  it('defaults the vonage inbox to md5hash signatures', () => {
    const [check] = parseConfig(vonageConfig({ inbox: '{ type: webhook, format: vonage, signatureSecret: sig-s3cret }' }), { env: {} }).checks;
    expect(check!.inbox).toEqual({ type: 'webhook', format: 'vonage', signatureSecret: 'sig-s3cret', signingMethod: 'md5hash', listen: { port: 9478, host: '127.0.0.1' } });
  });

  it('refuses a vonage inbox with neither a signature secret nor unsigned: true, at signatureSecret', () => {
    expect(problemsOf(vonageConfig({ inbox: '{ type: webhook, format: vonage }' }))).toEqual([
      expect.objectContaining({ path: 'checks[0].inbox.signatureSecret', message: 'required unless unsigned: true (which accepts unauthenticated SMS)' }),
    ]);
  });

  it('refuses unsigned: true beside a signature secret, at unsigned', () => {
    expect(problemsOf(vonageConfig({ inbox: '{ type: webhook, format: vonage, signatureSecret: sig-s3cret, unsigned: true }' }))).toEqual([
      expect.objectContaining({ path: 'checks[0].inbox.unsigned', message: 'contradicts signatureSecret: a signed inbox refuses unsigned messages' }),
    ]);
  });

  it('refuses unsigned: false, which would say nothing', () => {
    expect(problemsOf(vonageConfig({ inbox: '{ type: webhook, format: vonage, unsigned: false }' }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'checks[0].inbox.unsigned', message: 'must be true when set: it accepts unauthenticated SMS' })]),
    );
  });

  it('parses an explicitly unsigned vonage inbox', () => {
    const [check] = parseConfig(vonageConfig(), { env: {} }).checks;
    expect(check!.inbox).toEqual({ type: 'webhook', format: 'vonage', unsigned: true, signingMethod: 'md5hash', listen: { port: 9478, host: '127.0.0.1' } });
  });

  it('refuses a vonage-verify verifier after another trigger, at verify.type', () => {
    const text = vonageConfig().replace(/trigger: \{ type: vonage-verify[^\n]*/, 'trigger: { type: sandbox }');
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ path: 'checks[0].verify.type', message: 'vonage-verify checks the code of the request a vonage-verify trigger started, and uses its credentials: set trigger.type to vonage-verify' }),
    ]);
  });

  it('refuses a vonage-verify trigger whose code another verifier would check, at verify.type', () => {
    expect(problemsOf(vonageConfig({ verify: '{ type: sandbox }' }))).toEqual([
      expect.objectContaining({ path: 'checks[0].verify.type', message: 'must be vonage-verify: only Vonage can check the code of the Vonage Verify request the trigger starts' }),
    ]);
  });

  it('refuses a brand Vonage would refuse, naming the rule', () => {
    const text = vonageConfig().replace('brand: Acme', 'brand: "Acme: sign-up"');
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'checks[0].trigger.brand', message: 'must not contain / { } : or $ (Vonage Verify)' })]);
  });

  it('refuses a channelTimeout outside Vonage\'s 15s to 900s', () => {
    expect(problemsOf(vonageConfig({ trigger: ', channelTimeout: 10s' }))).toEqual([
      expect.objectContaining({ path: 'checks[0].trigger.channelTimeout', message: 'must be whole seconds from 15s to 900s (Vonage channel_timeout)' }),
    ]);
  });

  it('names the missing API secret', () => {
    const text = vonageConfig().replace(' apiSecret: s3cr3t-value,', '');
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'checks[0].trigger.apiSecret', message: 'required: vonage-verify authenticates with the account API key and secret' })]);
  });

  it('refuses two vonage inboxes on one address with different signature secrets, at the second one', async () => {
    const second = vonageConfig({ inbox: '{ type: webhook, format: vonage, signatureSecret: other, listen: { port: 0 } }' }).replace('checks:\n', '').replace('vonage-signup', 'vonage-login').replace(NUMBER, '+447700900009');
    const config = parseConfig(vonageConfig({ inbox: '{ type: webhook, format: vonage, signatureSecret: first, listen: { port: 0 } }' }) + second, { env: {} });
    const refused = await prepareChecks(config).then(
      (environment) => environment.close().then(() => undefined),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      { path: 'checks[1].inbox.signatureSecret', message: 'differs from checks[0], which listens on the same address 127.0.0.1:0' },
    ]);
  });

  it('lists the API key and secret and the signature secret among the values to mask', () => {
    const config = parseConfig(vonageConfig({ inbox: '{ type: webhook, format: vonage, signatureSecret: sig-s3cret, signingMethod: sha256 }' }), { env: {} });
    expect(configSecrets(config).sort()).toEqual(['abcd1234', 's3cr3t-value', 'sig-s3cret']);
  });
});

/**
 * Vonage as a test double: a started verification texts a fresh code to the number, as a signed
 * inbound-SMS webhook; a check completes the request once, then it is gone (404), as Vonage's is.
 */
async function startFakeVonage(webhookUrl: () => string, signatureSecret: string): Promise<{ url: string; server: Server }> {
  const open = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { workflow?: { to: string }[]; code?: string };
      const answer = (status: number, json: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.url === '/v2/verify') {
        const requestId = randomUUID();
        const code = String(randomInt(100_000, 1_000_000));
        open.set(requestId, code);
        const sms = { 'api-key': 'abcd1234', msisdn: 'Acme', to: body.workflow![0]!.to, messageId: randomUUID(), text: `Your Acme verification code is: ${code}`, type: 'text', keyword: 'YOUR', 'message-timestamp': '2026-03-01 12:00:00', timestamp: String(Math.floor(Date.now() / 1000)), nonce: randomUUID() };
        answer(202, { request_id: requestId });
        void request(webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...sms, sig: vonageSignature(sms, signatureSecret, 'sha256') }) }).then((r) => r.body.dump());
        return;
      }
      const requestId = req.url!.slice('/v2/verify/'.length);
      const code = open.get(requestId);
      if (code === undefined) return answer(404, { type: 'https://developer.vonage.com/en/api-errors/verify-v2#request-not-found', title: 'Not Found', detail: 'Request not found', instance: 'x' });
      if (body.code !== code) return answer(400, { type: 'https://developer.vonage.com/en/api-errors/verify-v2#invalid-code', title: 'Invalid Code', detail: 'The code you provided does not match the expected value.', instance: 'x' });
      open.delete(requestId);
      answer(200, { request_id: requestId, status: 'completed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a check through Vonage Verify and the Vonage webhook', () => {
  let environment: CheckEnvironment | undefined;
  let receiver: WebhookReceiver | undefined;
  let vonage: Server | undefined;
  afterEach(async () => {
    await environment?.close();
    await receiver?.close();
    vonage?.closeAllConnections();
    vonage?.close();
  });

  async function prepare() {
    const fake = await startFakeVonage(() => `${receiver!.url}/webhooks/vonage`, 'sig-s3cret');
    vonage = fake.server;
    const config = parseConfig(vonageConfig({ baseUrl: fake.url, inbox: '{ type: webhook, format: vonage, signatureSecret: sig-s3cret, signingMethod: sha256 }' }), { env: {} });
    let handler: WebhookHandlerOptions | undefined;
    environment = await prepareChecks(config, { hostWebhooks: (options) => ((handler = options), 'http://unused') });
    receiver = await startWebhookReceiver(handler!);
    return environment.checks[0]!;
  }

  it('succeeds: the code Vonage texted is extracted and accepted', async () => {
    const { spec, providers } = await prepare();
    // Each test is a process of its own: it does not inherit the number's memory (and resend window) from the last.
    const record = await runCheck(spec, providers, { leases: new NumberLeases() });
    expect(record).toMatchObject({ outcome: 'success' });
  });

  it('passes the single_use control: Vonage refuses a code that already verified', async () => {
    const { spec, providers } = await prepare();
    const record = await runControl('single_use', spec, providers, { leases: new NumberLeases() });
    expect(record).toMatchObject({ status: 'passed' });
  });
});
