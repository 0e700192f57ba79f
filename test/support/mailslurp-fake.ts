// A loopback stand-in for MailSlurp's REST API, answering with the shapes of the official SDK's models
// (PhoneNumberDto, PagePhoneNumberProjection, SmsPreview): phone numbers, and POST /waitForSms held open
// until enough SMS created since `since` are there or its `timeout` runs out. Every request is recorded,
// so a test can compare ours with the SDK's. `POST /test/inbound` takes a Twilio-format inbound SMS (what
// the sandbox pushes when it delivers), so a sandbox-driven journey can read its SMS here.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answeringFailures, createRequestLog, send, type RecordedRequest, type RequestLog } from './recorded-api.js';

export interface FakePhone {
  readonly id: string;
  readonly phoneNumber: string;
  readonly phoneCountry: string;
  readonly name?: string;
}

export interface FakeSms {
  readonly id: string;
  readonly phoneNumber: string;
  readonly fromNumber: string;
  readonly body: string;
  readonly createdAt: string;
}

interface HeldWait {
  readonly phoneId: string;
  readonly since: number;
  readonly count: number;
  readonly answer: (messages: FakeSms[]) => void;
}

export const FAKE_API_KEY = 'ms-test-key-0123456789';
/** What MailSlurp says when a wait's hold runs out (mailslurp-client#56; the status is ours). */
export const WAIT_ELAPSED = { status: 408, body: { message: 'Failed to satisfy SMS query for phone. Expected minimum message count of `1`. Found at most `0`.' } };

export interface FakeMailSlurp extends Omit<RequestLog, 'record' | 'nextScripted'> {
  readonly url: string;
  readonly phones: FakePhone[];
  addPhone(phone: Omit<FakePhone, 'id'> & { id?: string }): FakePhone;
  /** Stores an SMS to the phone and answers the waits it satisfies. */
  addSms(phoneId: string, sms: { body: string; fromNumber?: string; createdAt?: Date }): FakeSms;
  /** Resolves when a held wait's connection is closed by the client. */
  waitAbandoned(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeMailSlurp(options: { apiKey?: string } = {}): Promise<FakeMailSlurp> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const log = createRequestLog();
  const phones: FakePhone[] = [];
  const sms: FakeSms[] = [];
  const held = new Set<HeldWait>();
  const abandonListeners = new Set<() => void>();

  const matching = (phoneId: string, since: number) => sms.filter((m) => m.phoneNumber === phoneId && Date.parse(m.createdAt) >= since);
  const preview = (m: FakeSms) => ({ id: m.id, userId: 'user-1', body: m.body, phoneNumber: m.phoneNumber, fromNumber: m.fromNumber, read: false, createdAt: m.createdAt });

  const fake: FakeMailSlurp = {
    url: '',
    requests: log.requests,
    script: log.script,
    received: log.received,
    phones,
    addPhone(phone) {
      const stored = { id: phone.id ?? randomUUID(), phoneNumber: phone.phoneNumber, phoneCountry: phone.phoneCountry, ...(phone.name && { name: phone.name }) };
      phones.push(stored);
      return stored;
    },
    addSms(phoneId, message) {
      const stored: FakeSms = {
        id: randomUUID(),
        phoneNumber: phoneId,
        fromNumber: message.fromNumber ?? '+15005550006',
        body: message.body,
        createdAt: (message.createdAt ?? new Date()).toISOString(),
      };
      sms.push(stored);
      for (const wait of held) {
        const found = matching(wait.phoneId, wait.since);
        if (wait.phoneId === phoneId && found.length >= wait.count) wait.answer(found);
      }
      return stored;
    },
    waitAbandoned() {
      return new Promise((resolve) => abandonListeners.add(resolve));
    },
    close: async () => {
      for (const wait of held) wait.answer([]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer(answeringFailures(handle));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await log.record(req);
    const { path } = recorded;
    const scripted = log.nextScripted(path);
    if (scripted) return send(res, scripted);
    if (path === '/test/inbound') return inbound(recorded, res);
    if (req.headers['x-api-key'] !== apiKey) return send(res, { status: 401, body: { message: 'Unauthorized' } });

    const phoneMatch = /^\/phone\/numbers\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && path === '/waitForSms') return waitForSms(recorded, req, res);
    if (req.method === 'GET' && path === '/phone/numbers') return listPhones(recorded, res);
    if (req.method === 'POST' && path === '/phone') {
      const body = recorded.body as { phoneCountry: string; name?: string };
      const phone = fake.addPhone({ phoneNumber: `+1555555${String(100 + phones.length).padStart(4, '0')}`, phoneCountry: body.phoneCountry, ...(body.name && { name: body.name }) });
      return send(res, { status: 201, body: phoneDto(phone) });
    }
    if (phoneMatch) {
      const index = phones.findIndex((p) => p.id === decodeURIComponent(phoneMatch[1]!));
      if (index < 0) return send(res, { status: 404, body: { message: 'Phone number not found' } });
      if (req.method === 'GET') return send(res, { status: 200, body: phoneDto(phones[index]!) });
      if (req.method === 'DELETE') {
        phones.splice(index, 1);
        return send(res, { status: 204 });
      }
    }
    send(res, { status: 404, body: { message: `no route ${req.method} ${path}` } });
  }

  function waitForSms(recorded: RecordedRequest, req: IncomingMessage, res: ServerResponse): void {
    const conditions = recorded.body as { phoneNumberId: string; count: number; timeout: number; since?: string };
    const since = conditions.since === undefined ? 0 : Date.parse(conditions.since);
    const found = matching(conditions.phoneNumberId, since);
    if (found.length >= conditions.count) return send(res, { status: 200, body: found.map(preview) });
    const timer = setTimeout(() => wait.answer([]), conditions.timeout);
    const wait: HeldWait = {
      phoneId: conditions.phoneNumberId,
      since,
      count: conditions.count,
      answer: (messages) => {
        held.delete(wait);
        clearTimeout(timer);
        res.off('close', onClose);
        send(res, messages.length > 0 ? { status: 200, body: messages.map(preview) } : WAIT_ELAPSED);
      },
    };
    const onClose = () => {
      if (res.writableEnded) return;
      held.delete(wait);
      clearTimeout(timer);
      for (const listener of [...abandonListeners]) listener();
      abandonListeners.clear();
    };
    held.add(wait);
    res.on('close', onClose);
  }

  function listPhones(recorded: RecordedRequest, res: ServerResponse): void {
    const page = Number(recorded.query.page ?? 0);
    const size = Number(recorded.query.size ?? 20);
    const content = phones.slice(page * size, (page + 1) * size).map((p) => ({ ...phoneDto(p), userId: 'user-1', createdAt: new Date(0).toISOString() }));
    const totalPages = Math.ceil(phones.length / size);
    send(res, { status: 200, body: { content, totalPages, totalElements: phones.length, last: page + 1 >= totalPages, size, number: page, first: page === 0, empty: content.length === 0 } });
  }

  function inbound(recorded: RecordedRequest, res: ServerResponse): void {
    const form = recorded.body as { To: string; From: string; Body: string };
    const phone = phones.find((p) => p.phoneNumber === form.To);
    if (phone) fake.addSms(phone.id, { body: form.Body, fromNumber: form.From });
    send(res, { status: 200, body: '' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (fake as { url: string }).url = `http://127.0.0.1:${port}`;
  return fake;
}

function phoneDto(phone: FakePhone) {
  return { id: phone.id, userId: 'user-1', phoneNumber: phone.phoneNumber, phoneCountry: phone.phoneCountry, name: phone.name ?? null, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() };
}
