// A whole run with `inbox: { type: mailslurp }`: the config is parsed and wired as every face does it,
// the embedded sandbox sends and checks a real code, and its carrier delivers the SMS to a loopback
// MailSlurp (as a Twilio-format push) where the inbox's held wait picks it up.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { maskCode } from '../src/core/mask.js';
import { FAKE_API_KEY, startFakeMailSlurp, type FakeMailSlurp } from './support/mailslurp-fake.js';
import { runSandboxJourney } from './support/sandbox-journey.js';

const NUMBER = '+15555550100';

let fake: FakeMailSlurp;
beforeEach(async () => {
  fake = await startFakeMailSlurp();
});
afterEach(() => fake.close());

it('runs trigger, MailSlurp delivery, extraction and verification to success', async () => {
  const phone = fake.addPhone({ phoneNumber: NUMBER, phoneCountry: 'US' });
  const { record, sends } = await runSandboxJourney({
    name: 'signup-mailslurp',
    number: NUMBER,
    inbox: `{ type: mailslurp, apiKey: "\${MAILSLURP_API_KEY}", phoneId: "${phone.id}", baseUrl: "\${FAKE}", pollInterval: 5s }`,
    fakeUrl: fake.url,
    env: { MAILSLURP_API_KEY: FAKE_API_KEY },
  });

  expect(record).toMatchObject({ outcome: 'success', warnings: [] });
  const [send] = sends;
  // The code submitted is the one the sandbox sent; MailSlurp's own receive time is kept beside ours.
  expect(record.code).toBe(maskCode(send!.code!));
  expect(record.deliverySeconds).toBeGreaterThan(0);
  expect(Date.parse(record.providerReceivedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
  expect(fake.requests.filter((r) => r.path === '/waitForSms').every((r) => r.headers['x-api-key'] === FAKE_API_KEY)).toBe(true);
});
