// Who an accepted webhook message reaches, through a config's real receivers (prepareChecks, as the CLI
// runs them, and as the probe hosts them across a reload): only the checks whose inbox format and
// credential let it in, whatever number it names.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { Inbox } from '../src/core/providers.js';
import { prepareChecks, type CheckEnvironment } from '../src/wiring/prepare-checks.js';
import { createAcceptor } from '../src/providers/webhook/acceptor.js';
import { genericSignature } from '../src/providers/webhook/generic.js';
import type { WebhookEndpoints } from '../src/providers/webhook/handler.js';
import { InboxesByAcceptor } from '../src/providers/webhook/inbox.js';
import { HostedWebhooks } from '../src/probe/webhooks.js';
import { freePort } from './support/ports.js';

const NUMBER = '+15555550150';
const OTHER_NUMBER = '+15555550151';

let environment: CheckEnvironment | undefined;
afterEach(async () => {
  await environment?.close();
  environment = undefined;
});

function check(name: string, number: string, inbox: string): string {
  return `  - name: ${name}
    number: "${number}"
    trigger: { type: http, request: { url: "http://127.0.0.1:9/send", json: { phone: "{{number}}" } } }
    inbox: ${inbox}
    verify: { type: http, request: { url: "http://127.0.0.1:9/verify", json: { code: "{{code}}" } } }
`;
}

async function start(...checks: string[]): Promise<Map<string, Inbox>> {
  environment = await prepareChecks(parseConfig(`checks:\n${checks.join('')}`, { env: {} }));
  return new Map(environment.checks.map(({ spec, providers }) => [spec.name, providers.inbox]));
}

/** The bodies the inbox holds for the number now, without waiting. */
function held(inbox: Inbox, number: string): Promise<string[]> {
  const controller = new AbortController();
  const waiting = inbox.waitForSms({ number, since: 0, sinceWallClock: new Date(0), signal: controller.signal });
  controller.abort(new Error('nothing'));
  return waiting.then(
    (result) => result.messages.map((sms) => sms.body),
    () => [],
  );
}

async function postGeneric(port: number, secret: string, to: string, text: string): Promise<number> {
  const body = JSON.stringify({ id: `gw-${text}`, to, body: text });
  const res = await request(`http://127.0.0.1:${port}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': genericSignature(secret, body) }, body });
  await res.body.dump();
  return res.statusCode;
}

describe('webhook routing', () => {
  it('gives an unsigned Vonage message only to the unsigned check, never to a Twilio-signed check of the number it names', async () => {
    const port = await freePort();
    const inboxes = await start(
      check('vonage-unsigned', OTHER_NUMBER, `{ type: webhook, format: vonage, unsigned: true, listen: { port: ${port} } }`),
      check('twilio-signed', NUMBER, `{ type: webhook, format: twilio, authToken: twilio-token, listen: { port: ${port} } }`),
    );
    const query = (to: string, text: string) => new URLSearchParams({ msisdn: '447700900001', to: to.slice(1), messageId: text, text }).toString();

    for (const [to, text] of [[NUMBER, 'Your code is 111111'], [OTHER_NUMBER, 'Your code is 222222']] as const) {
      const res = await request(`http://127.0.0.1:${port}/webhooks/vonage?${query(to, text)}`);
      await res.body.dump();
      expect(res.statusCode).toBe(204);
    }

    expect(await held(inboxes.get('twilio-signed')!, NUMBER)).toEqual([]);
    expect(await held(inboxes.get('vonage-unsigned')!, OTHER_NUMBER)).toEqual(['Your code is 222222']);
  });
});

describe('the probe\'s webhooks across a reload', () => {
  it('give a message signed with the new config\'s secret only to the new config\'s checks, not to the old one\'s still waiting', async () => {
    const webhooks = new HostedWebhooks(pino({ level: 'silent' }));
    const server = createServer((req, res) => void webhooks.handler!(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const prepare = async (secret: string) => {
      let endpoints: WebhookEndpoints | undefined;
      const prepared = await prepareChecks(parseConfig(`checks:\n${check('gateway', NUMBER, `{ type: webhook, format: generic, secret: ${secret} }`)}`, { env: {} }), {
        hostWebhooks: (hosted) => {
          endpoints = hosted;
          return `http://127.0.0.1:${port}`;
        },
      });
      webhooks.activate(endpoints);
      return prepared.checks[0]!.providers.inbox;
    };
    try {
      const before = await prepare('gateway-secret-old-1');
      const after = await prepare('gateway-secret-new-2');
      expect(await postGeneric(port, 'gateway-secret-new-2', NUMBER, 'Your code is 111111')).toBe(204);
      expect(await held(before, NUMBER)).toEqual([]);
      expect(await held(after, NUMBER)).toEqual(['Your code is 111111']);
    } finally {
      server.close();
    }
  });
});

describe('InboxesByAcceptor', () => {
  it('drops a message for an acceptor no check uses', async () => {
    const inboxes = new InboxesByAcceptor();
    const mine = inboxes.inboxFor(createAcceptor('generic', 'secret-a'));
    expect(inboxes.accept({ id: 'a', to: NUMBER, body: 'code 1' }, createAcceptor('generic', 'secret-b'))).toBeUndefined();
    expect(inboxes.accept({ id: 'b', to: NUMBER, body: 'code 2' }, createAcceptor('generic', 'secret-a'))).toBeDefined();
    expect(await held(mine, NUMBER)).toEqual(['code 2']);
  });
});
