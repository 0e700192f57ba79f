// Webhook push: every delivered SMS POSTed in Twilio's inbound-SMS format, signed as Twilio signs it.

import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { SANDBOX_SENDER } from '../src/sandbox/index.js';
import { freePort } from './support/ports.js';
import { api, formReceiver, NUMBER, quickSandbox, sendOtp } from './support/sandbox.js';

const AUTH_TOKEN = 'sandbox-test-auth-token';

describe('webhook push', () => {
  it('POSTs each delivered SMS with a signature the official Twilio SDK accepts', async () => {
    const receiver = await formReceiver();
    try {
      const webhookUrl = `${receiver.url}/sms?source=sandbox`;
      const sandbox = await quickSandbox({ webhook: { url: webhookUrl, authToken: AUTH_TOKEN } });
      await sendOtp(sandbox);
      const [post] = await receiver.received(1);

      const signature = post!.headers['x-twilio-signature'] as string;
      expect(twilio.validateRequest(AUTH_TOKEN, signature, webhookUrl, post!.params)).toBe(true);
      expect(twilio.validateRequest('another-token', signature, webhookUrl, post!.params)).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('sends the inbound-SMS fields Twilio sends, form-encoded', async () => {
    const receiver = await formReceiver();
    try {
      const sandbox = await quickSandbox({ webhook: { url: `${receiver.url}/sms`, authToken: AUTH_TOKEN } });
      await sendOtp(sandbox);
      const [post] = await receiver.received(1);
      const { messages } = (await api(sandbox, 'GET', `/api/inbox/messages?to=${encodeURIComponent(NUMBER)}`)).body;

      expect(post!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(post!.params).toMatchObject({
        MessageSid: messages[0].id,
        SmsSid: messages[0].id,
        AccountSid: expect.stringMatching(/^AC[0-9a-f]{32}$/),
        From: SANDBOX_SENDER,
        To: NUMBER,
        Body: messages[0].body,
        NumMedia: '0',
        NumSegments: '1',
      });
    } finally {
      await receiver.close();
    }
  });

  it('starts the push at the recorded delivery moment', async () => {
    const receiver = await formReceiver();
    try {
      const sandbox = await quickSandbox({ webhook: { url: `${receiver.url}/sms`, authToken: AUTH_TOKEN } });
      await sendOtp(sandbox);
      const [post] = await receiver.received(1);
      await sandbox.idle();
      const [send] = sandbox.groundTruth().sends;
      const arrivedEpochMs = performance.timeOrigin + post!.arrivedAt;
      expect(arrivedEpochMs - send!.deliveredAtEpochMs!).toBeGreaterThanOrEqual(0);
      expect(arrivedEpochMs - send!.deliveredAtEpochMs!).toBeLessThan(50);
    } finally {
      await receiver.close();
    }
  });

  it('records a push the receiver refused, and keeps serving', async () => {
    const receiver = await formReceiver(500);
    try {
      const sandbox = await quickSandbox({ webhook: { url: `${receiver.url}/sms`, authToken: AUTH_TOKEN } });
      await sendOtp(sandbox);
      await sandbox.idle();
      expect(sandbox.groundTruth().pushes).toEqual([expect.objectContaining({ kind: 'inbound_sms', status: 500, error: 'receiver answered 500' })]);
      expect((await api(sandbox, 'GET', '/_sandbox/health')).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('records a push that could not connect, and keeps the SMS in the inbox', async () => {
    const closedPort = await freePort();
    const sandbox = await quickSandbox({ webhook: { url: `http://127.0.0.1:${closedPort}/sms`, authToken: AUTH_TOKEN } });
    await sendOtp(sandbox);
    await sandbox.idle();
    const truth = sandbox.groundTruth();
    expect(truth.pushes).toEqual([expect.objectContaining({ status: null, error: expect.any(String) })]);
    expect(truth.counts).toMatchObject({ pushFailures: 1, smsDelivered: 1 });
  });
});
