// A whole run with `inbox: { type: mailosaur }`: the config is parsed and wired as every face does it,
// the embedded sandbox sends and checks a real code, and its carrier delivers the SMS to a loopback
// Mailosaur (as a Twilio-format push) where the inbox's search finds it.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { maskCode } from '../src/core/mask.js';
import { FAKE_MAILOSAUR_KEY, FAKE_SERVER_ID, startFakeMailosaur, type FakeMailosaur } from './support/mailosaur-fake.js';
import { runSandboxJourney } from './support/sandbox-journey.js';

const NUMBER = '+447700900123';

let fake: FakeMailosaur;
beforeEach(async () => {
  fake = await startFakeMailosaur();
});
afterEach(() => fake.close());

it('runs trigger, Mailosaur delivery, extraction and verification to success', async () => {
  const { record, sends } = await runSandboxJourney({
    name: 'signup-mailosaur',
    number: NUMBER,
    inbox: `{ type: mailosaur, apiKey: "\${MAILOSAUR_API_KEY}", serverId: ${FAKE_SERVER_ID}, baseUrl: "\${FAKE}" }`,
    fakeUrl: fake.url,
    env: { MAILOSAUR_API_KEY: FAKE_MAILOSAUR_KEY },
  });

  expect(record).toMatchObject({ outcome: 'success', warnings: [] });
  const [send] = sends;
  // The code submitted is the one the sandbox sent; Mailosaur's own receive time is kept beside ours.
  expect(record.code).toBe(maskCode(send!.code!));
  expect(record.deliverySeconds).toBeGreaterThan(0);
  expect(Date.parse(record.providerReceivedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
  expect(fake.requests.filter((r) => r.path === '/api/messages/search').length).toBeGreaterThan(1);
});
