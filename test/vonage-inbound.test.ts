// Vonage inbound SMS through the real webhook handler: GET query, form POST and JSON POST, signed with
// `sig` or not, and every refusal. The requests are built from the `InboundMessage` schema of Vonage's
// SMS API document (test/fixtures/specs/vonage_sms_2021.yml) and validated against it before they are sent.

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { request } from 'undici';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { VonageEndpoint, WebhookRejection } from '../src/providers/webhook/handler.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../src/providers/webhook/receiver.js';
import { vonageSignature, vonageStringToSign, type VonageSignatureMethod } from '../src/providers/vonage/signature.js';

const SPEC = parse(readFileSync(new URL('./fixtures/specs/vonage_sms_2021.yml', import.meta.url), 'utf8')) as {
  components: { schemas: { InboundMessage: object } };
};
const validInbound = new Ajv({ strict: false, validateFormats: false }).compile(SPEC.components.schemas.InboundMessage);

const SECRET = 'mysecret';
const OUR_NUMBER = '447700900000';

/** An inbound SMS as Vonage documents it, signing fields included (they are signed when signing is on). */
function inbound(overrides: Record<string, string> = {}): Record<string, string> {
  const params = {
    'api-key': 'abcd1234',
    msisdn: '447700900001',
    to: OUR_NUMBER,
    messageId: '0A0000000123ABCD1',
    text: 'Your Acme code is 482913',
    type: 'text',
    keyword: 'YOUR',
    'message-timestamp': '2020-01-01 12:00:00',
    timestamp: '1577880000',
    nonce: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    ...overrides,
  };
  expect(validInbound(params), JSON.stringify(validInbound.errors)).toBe(true);
  return params;
}

const signed = (params: Record<string, string>, method: VonageSignatureMethod = 'md5hash', secret = SECRET) => ({ ...params, sig: vonageSignature(params, secret, method) });

let receiver: WebhookReceiver | undefined;
let inbox: WebhookInbox;
let rejections: WebhookRejection[];

afterEach(() => receiver?.close());

async function start(vonage: VonageEndpoint): Promise<string> {
  inbox = new WebhookInbox();
  rejections = [];
  receiver = await startWebhookReceiver({ inbox, vonage, onRejected: (rejection) => rejections.push(rejection) });
  return `${receiver.url}/webhooks/vonage`;
}

async function send(url: string, init: { method?: string; query?: Record<string, string>; form?: Record<string, string>; json?: unknown; body?: string; contentType?: string }) {
  const target = init.query ? `${url}?${new URLSearchParams(init.query).toString()}` : url;
  const body = init.form ? new URLSearchParams(init.form).toString() : init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const contentType = init.contentType ?? (init.form ? 'application/x-www-form-urlencoded' : init.json !== undefined ? 'application/json' : undefined);
  const res = await request(target, { method: (init.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET', ...(contentType && { headers: { 'content-type': contentType } }), ...(body !== undefined && { body }) });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

function received() {
  const controller = new AbortController();
  const waiting = inbox.waitForSms({ number: `+${OUR_NUMBER}`, since: 0, sinceWallClock: new Date(0), signal: controller.signal });
  controller.abort(new Error('nothing arrived'));
  return waiting.then(
    (result) => result.messages,
    () => [],
  );
}

describe('the sig signature', () => {
  // Computed independently of this code from Vonage's documented algorithm; not an official vector.
  const vector = {
    'api-key': 'abcd1234',
    msisdn: '447700900001',
    to: '447700900000',
    messageId: '0A0000000123ABCD1',
    text: 'Hello world & more=fun',
    type: 'text',
    keyword: 'HELLO',
    'message-timestamp': '2020-01-01 12:00:00',
    timestamp: '1578787200',
    nonce: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  };

  it('signs every parameter but sig, sorted by name, with & and = in values replaced by _', () => {
    expect(vonageStringToSign({ ...vector, sig: 'ignored' })).toBe(
      '&api-key=abcd1234&keyword=HELLO&message-timestamp=2020-01-01 12:00:00&messageId=0A0000000123ABCD1&msisdn=447700900001' +
        '&nonce=aaaaaaaa-bbbb-cccc-dddd-0123456789ab&text=Hello world _ more_fun&timestamp=1578787200&to=447700900000&type=text',
    );
  });

  it.each([
    ['md5hash', 'ed675baa6039e989e0f4a55c8f11fb30'],
    ['sha256', '299a755a0844f1019a01f8821adb6639bccb6710d3f94c663e1d73aa5fe60788'],
    ['md5', 'b7d5c8755f5d1a29975a4bfa8ac28976'],
  ] as const)('%s gives the reference value', (method, expected) => {
    expect(vonageSignature(vector, 'mysecret', method)).toBe(expected);
  });
});

describe('/webhooks/vonage with a signature secret', () => {
  it('accepts a signed GET, answers 204 and stores the SMS under our number in E.164', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'md5hash' });
    const res = await send(url, { query: signed(inbound()) });
    expect(res.status).toBe(204);
    expect(await received()).toEqual([
      expect.objectContaining({ id: '0A0000000123ABCD1', to: '+447700900000', from: '+447700900001', body: 'Your Acme code is 482913', providerReceivedAt: new Date('2020-01-01T12:00:00Z') }),
    ]);
  });

  it('accepts a signed form POST', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'sha256' });
    const res = await send(url, { form: signed(inbound({ text: 'Code: 482913 & more=fun' }), 'sha256') });
    expect(res.status).toBe(204);
    expect((await received()).map((sms) => sms.body)).toEqual(['Code: 482913 & more=fun']);
  });

  it('accepts a signed JSON POST', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'sha512' });
    const res = await send(url, { json: signed(inbound(), 'sha512') });
    expect(res.status).toBe(204);
    expect(await received()).toHaveLength(1);
  });

  it('compares the signature case-insensitively, as Vonage sends HMACs in upper case', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'sha1' });
    const params = signed(inbound(), 'sha1');
    const res = await send(url, { query: { ...params, sig: params.sig.toUpperCase() } });
    expect(res.status).toBe(204);
  });

  it('refuses an unsigned message with 403 and stores nothing', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'md5hash' });
    const res = await send(url, { query: inbound() });
    expect(res).toMatchObject({ status: 403, text: 'sig is missing\n' });
    expect(await received()).toEqual([]);
    expect(rejections).toEqual([{ format: 'vonage', status: 403, reason: 'sig is missing' }]);
  });

  it('refuses a message whose text was changed after signing with 403', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'md5hash' });
    const res = await send(url, { query: { ...signed(inbound()), text: 'Your Acme code is 000000' } });
    expect(res).toMatchObject({ status: 403, text: 'sig does not match\n' });
    expect(await received()).toEqual([]);
  });

  it('refuses a message signed with another secret with 403', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'md5hash' });
    const res = await send(url, { form: signed(inbound(), 'md5hash', 'not-the-secret') });
    expect(res.status).toBe(403);
  });

  it('refuses a message signed with another method with 403', async () => {
    const url = await start({ signatureSecret: SECRET, signatureMethod: 'sha256' });
    const res = await send(url, { json: signed(inbound(), 'md5hash') });
    expect(res.status).toBe(403);
  });
});

describe('/webhooks/vonage explicitly unsigned', () => {
  it('accepts an unsigned message', async () => {
    const url = await start({ unsigned: true });
    const res = await send(url, { json: inbound() });
    expect(res.status).toBe(204);
    expect(await received()).toHaveLength(1);
  });

  it('keeps a message Vonage delivers twice (a retry) once', async () => {
    const url = await start({ unsigned: true });
    await send(url, { json: inbound() });
    const retry = await send(url, { json: inbound() });
    expect(retry.status).toBe(204);
    expect(await received()).toHaveLength(1);
  });

  it('takes message-timestamp as UTC when no timestamp is sent', async () => {
    const url = await start({ unsigned: true });
    const { timestamp: _t, nonce: _n, ...unsignedFields } = inbound({ 'message-timestamp': '2026-03-01 12:34:56' });
    await send(url, { form: unsignedFields });
    expect((await received())[0]!.providerReceivedAt).toEqual(new Date('2026-03-01T12:34:56Z'));
  });
});

describe('/webhooks/vonage refuses requests that are not an inbound SMS', () => {
  const malformed: [string, { json?: unknown; body?: string; contentType?: string; form?: Record<string, string> }, string][] = [
    ['a body that is not JSON', { body: '{"msisdn":', contentType: 'application/json' }, 'the body is not valid JSON'],
    ['a JSON array', { json: [] }, 'the body is not a JSON object'],
    ['no to', { json: { ...inbound(), to: undefined } }, 'to is missing'],
    ['a to that is not a number', { json: inbound({ to: 'ACME' }) }, 'to is not an E.164 number'],
    ['no messageId', { json: { ...inbound(), messageId: undefined } }, 'messageId is missing'],
    ['no text', { json: { ...inbound(), text: undefined } }, 'text is missing'],
    ['a nested object', { json: { ...inbound(), text: { value: 'x' } } }, 'text is not a string'],
    ['a message-timestamp in another format', { form: (({ timestamp: _t, ...rest }) => rest)(inbound({ 'message-timestamp': '01/01/2020' })) }, 'message-timestamp is not "YYYY-MM-DD HH:MM:SS"'],
  ];
  it.each(malformed)('400 for %s', async (_name, init, reason) => {
    const url = await start({ unsigned: true });
    const res = await send(url, init);
    expect(res).toMatchObject({ status: 400, text: `${reason}\n` });
  });

  it('400 for a repeated parameter, which the signature cannot cover', async () => {
    const url = await start({ unsigned: true });
    const res = await send(url, { body: `${new URLSearchParams(inbound()).toString()}&text=second`, contentType: 'application/x-www-form-urlencoded' });
    expect(res).toMatchObject({ status: 400, text: 'text is repeated\n' });
  });

  it('405 for a method Vonage does not use, naming the allowed ones', async () => {
    const url = await start({ unsigned: true });
    const res = await send(url, { method: 'PUT', json: inbound() });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('415 for a POST that is neither a form nor JSON', async () => {
    const url = await start({ unsigned: true });
    const res = await send(url, { body: 'text', contentType: 'text/plain' });
    expect(res).toMatchObject({ status: 415, text: 'content type must be application/x-www-form-urlencoded or application/json\n' });
  });

  it('404 when the vonage format is not configured', async () => {
    inbox = new WebhookInbox();
    receiver = await startWebhookReceiver({ inbox, generic: { secret: 'x' } });
    const res = await send(`${receiver.url}/webhooks/vonage`, { json: inbound() });
    expect(res.status).toBe(404);
  });
});
