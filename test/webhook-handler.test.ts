import { request as httpRequest } from 'node:http';
import twilio from 'twilio';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { genericSignature } from '../src/providers/webhook/generic.js';
import type { WebhookRejection } from '../src/providers/webhook/handler.js';
import { WebhookInbox } from '../src/providers/webhook/inbox.js';
import { createWebhookInbox, startWebhookReceiver, type WebhookReceiver } from '../src/providers/webhook/receiver.js';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const SECRET = 'gateway-shared-secret';
const NUMBER = '+15555550100';
const FORM = 'application/x-www-form-urlencoded';

let inbox: WebhookInbox;
let receiver: WebhookReceiver;
let rejections: WebhookRejection[];

beforeEach(async () => {
  inbox = new WebhookInbox();
  rejections = [];
  receiver = await startWebhookReceiver({
    inbox,
    twilio: { authToken: TOKEN },
    generic: { secret: SECRET },
    maxBodyBytes: 4096,
    onRejected: (rejection) => rejections.push(rejection),
  });
});

afterEach(() => receiver.close());

const twilioParams = (overrides: Record<string, string> = {}) => ({
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+15005550006',
  To: NUMBER,
  Body: 'Votre code: 482913 🔐',
  NumMedia: '0',
  ...overrides,
});

async function postTwilio(params: Record<string, string>, signature = twilio.getExpectedTwilioSignature(TOKEN, `${receiver.url}/webhooks/twilio`, params)) {
  const res = await request(`${receiver.url}/webhooks/twilio`, {
    method: 'POST',
    headers: { 'content-type': FORM, 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function postGeneric(body: string, signature: string | null = genericSignature(SECRET, body)) {
  const res = await request(`${receiver.url}/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature': signature } : {}) },
    body,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

function waitFor(number = NUMBER) {
  return inbox.waitForSms({ number, since: 0, sinceWallClock: new Date(0), signal: new AbortController().signal });
}

function messagesSoFar(): Promise<number> {
  const controller = new AbortController();
  const waiting = inbox.waitForSms({ number: NUMBER, since: 0, sinceWallClock: new Date(0), signal: controller.signal });
  controller.abort(new Error('empty'));
  return waiting.then(
    (result) => result.messages.length,
    () => 0,
  );
}

describe('POST /webhooks/twilio', () => {
  it('accepts a message signed by Twilio, answers empty TwiML and wakes the waiting run', async () => {
    const waiting = waitFor();
    const res = await postTwilio(twilioParams());
    expect(res).toMatchObject({ status: 200, text: '<?xml version="1.0" encoding="UTF-8"?><Response/>' });
    expect(res.headers['content-type']).toBe('text/xml');
    const { messages } = await waiting;
    expect(messages).toEqual([expect.objectContaining({ id: 'SM0123456789abcdef0123456789abcdef', to: NUMBER, from: '+15005550006', body: 'Votre code: 482913 🔐' })]);
  });

  it('checks the signature against publicUrl when one is configured', async () => {
    const publicUrl = 'https://probe.example.com/webhooks/twilio';
    const behindProxy = await startWebhookReceiver({ inbox, twilio: { authToken: TOKEN, publicUrl } });
    try {
      const params = twilioParams();
      const res = await request(`${behindProxy.url}/webhooks/twilio`, {
        method: 'POST',
        headers: { 'content-type': FORM, 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, publicUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
    } finally {
      await behindProxy.close();
    }
  });

  it('answers a retried delivery with 200 and keeps one message', async () => {
    await postTwilio(twilioParams());
    expect((await postTwilio(twilioParams())).status).toBe(200);
    expect(await messagesSoFar()).toBe(1);
  });

  it('refuses a wrong signature with 403 and leaves the inbox untouched', async () => {
    const params = twilioParams();
    const forged = twilio.getExpectedTwilioSignature('another-token', `${receiver.url}/webhooks/twilio`, params);
    expect((await postTwilio(params, forged)).status).toBe(403);
    expect(await messagesSoFar()).toBe(0);
    expect(rejections).toEqual([{ format: 'twilio', status: 403, reason: 'X-Twilio-Signature does not match' }]);
  });

  it('refuses a request without a signature with 403', async () => {
    const res = await request(`${receiver.url}/webhooks/twilio`, { method: 'POST', headers: { 'content-type': FORM }, body: 'To=%2B15555550100&Body=hi' });
    expect(res.statusCode).toBe(403);
    await res.body.dump();
  });

  it('refuses a signed form without To with 400 naming the field', async () => {
    const { To: _omitted, ...withoutTo } = twilioParams();
    expect(await postTwilio(withoutTo)).toMatchObject({ status: 400, text: 'To is missing\n' });
  });

  it('refuses a destination that is not E.164 with 400', async () => {
    expect(await postTwilio(twilioParams({ To: 'whatsapp:+15555550100' }))).toMatchObject({ status: 400, text: 'To is not an E.164 number\n' });
  });

  it('refuses GET with 405', async () => {
    const res = await request(`${receiver.url}/webhooks/twilio?Body=hi`);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    await res.body.dump();
  });

  it('refuses a JSON body with 415', async () => {
    const res = await request(`${receiver.url}/webhooks/twilio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.statusCode).toBe(415);
    await res.body.dump();
  });
});

/** Sends a body larger than the limit over a raw socket and resolves with the status once answered. */
function postOversized(declareLength: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(1024, 'a');
    const total = 1024 * 1024;
    const req = httpRequest(`${receiver.url}/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(total) } : {}) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
      req.destroy();
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    let sent = 0;
    const writeMore = (): void => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
    };
    writeMore();
  });
}

describe('body limit', () => {
  it('answers 413 to a declared length over the limit without reading the body', async () => {
    expect(await postOversized(true)).toBe(413);
    expect(rejections.map((r) => r.status)).toEqual([413]);
  });

  it('answers 413 and stops reading a chunked body once it passes the limit', async () => {
    expect(await postOversized(false)).toBe(413);
  });
});

describe('POST /webhooks/generic', () => {
  it('accepts a body signed with the shared secret and keeps the gateway timestamp', async () => {
    const waiting = waitFor();
    const body = JSON.stringify({ to: NUMBER, from: 'ACME', message: 'Your code is 482913', id: 'gw-1', receivedAt: '2026-03-01T12:00:00.000Z' });
    expect(await postGeneric(body)).toMatchObject({ status: 204 });
    const [sms] = (await waiting).messages;
    expect(sms).toMatchObject({ id: 'gw-1', to: NUMBER, from: 'ACME', body: 'Your code is 482913' });
    expect(sms!.providerReceivedAt?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
  });

  it('refuses a body signed with another secret with 403', async () => {
    const body = JSON.stringify({ to: NUMBER, text: 'code 482913' });
    expect((await postGeneric(body, genericSignature('not-the-secret', body))).status).toBe(403);
    expect(await messagesSoFar()).toBe(0);
  });

  it('refuses a body changed after signing with 403', async () => {
    const signature = genericSignature(SECRET, JSON.stringify({ to: NUMBER, text: 'code 482913' }));
    expect((await postGeneric(JSON.stringify({ to: NUMBER, text: 'code 000000' }), signature)).status).toBe(403);
  });

  it('refuses an unsigned body with 403', async () => {
    expect((await postGeneric(JSON.stringify({ to: NUMBER, text: 'x' }), null)).status).toBe(403);
  });

  it('refuses signed garbage with 400', async () => {
    expect(await postGeneric('{"to": "+1555')).toMatchObject({ status: 400, text: 'the body is not valid JSON\n' });
  });

  it('refuses a signed message without text with 400 naming the fields', async () => {
    expect(await postGeneric(JSON.stringify({ to: NUMBER }))).toMatchObject({ status: 400, text: 'body is missing (body, message or text)\n' });
  });
});

describe('routing', () => {
  it('leaves other paths to the host server', async () => {
    const res = await request(`${receiver.url}/metrics`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });

  it('leaves a format that is not configured to the host server', async () => {
    const twilioOnly = await startWebhookReceiver({ inbox, twilio: { authToken: TOKEN } });
    try {
      const res = await request(`${twilioOnly.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.statusCode).toBe(404);
      await res.body.dump();
    } finally {
      await twilioOnly.close();
    }
  });
});

describe('createWebhookInbox', () => {
  it('serves its own receiver and stops it on close', async () => {
    const selfHosted = await createWebhookInbox({ generic: { secret: SECRET } });
    const waiting = selfHosted.waitForSms({ number: NUMBER, since: 0, sinceWallClock: new Date(0), signal: new AbortController().signal });
    const body = JSON.stringify({ to: NUMBER, text: 'code 482913' });
    const res = await request(`${selfHosted.url}/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': genericSignature(SECRET, body) },
      body,
    });
    await res.body.dump();
    expect((await waiting).messages.map((m) => m.body)).toEqual(['code 482913']);
    await selfHosted.close();
    await expect(request(`${selfHosted.url}/webhooks/generic`, { method: 'POST', body })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
