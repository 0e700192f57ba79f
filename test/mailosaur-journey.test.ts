// A whole run with `inbox: { type: mailosaur }`: the config is parsed and wired as every face does it,
// the embedded sandbox sends and checks a real code, and its carrier delivers the SMS to a loopback
// Mailosaur (as a Twilio-format push) where the inbox's search finds it.

import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { runCheck } from '../src/core/journey.js';
import { maskCode } from '../src/core/mask.js';
import { prepareChecks, type CheckEnvironment } from '../src/providers/build.js';
import { FAKE_MAILOSAUR_KEY, FAKE_SERVER_ID, startFakeMailosaur, type FakeMailosaur } from './support/mailosaur-fake.js';

const NUMBER = '+447700900123';

let fake: FakeMailosaur;
let environment: CheckEnvironment | undefined;
beforeEach(async () => {
  fake = await startFakeMailosaur();
});
afterEach(async () => {
  await environment?.close();
  await fake.close();
});

it('runs trigger, Mailosaur delivery, extraction and verification to success', async () => {
  const config = parseConfig(
    `
sandbox:
  seed: 11
  carrier: { delay: { median: 40ms, p95: 120ms } }
  webhook: { url: "\${FAKE}/test/inbound", authToken: sandbox-push-token }
checks:
  - name: signup-mailosaur
    number: "${NUMBER}"
    trigger: { type: sandbox }
    inbox: { type: mailosaur, apiKey: "\${MAILOSAUR_API_KEY}", serverId: ${FAKE_SERVER_ID}, baseUrl: "\${FAKE}" }
    verify: { type: sandbox }
`,
    { env: { MAILOSAUR_API_KEY: FAKE_MAILOSAUR_KEY, FAKE: fake.url } },
  );
  environment = await prepareChecks(config);
  const [check] = environment.checks;

  const record = await runCheck(check!.spec, check!.providers);

  expect(record).toMatchObject({ outcome: 'success', warnings: [] });
  const [send] = environment.sandbox!.groundTruth().sends;
  // The code submitted is the one the sandbox sent; Mailosaur's own receive time is kept beside ours.
  expect(record.code).toBe(maskCode(send!.code!));
  expect(record.deliverySeconds).toBeGreaterThan(0);
  expect(Date.parse(record.providerReceivedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
  expect(fake.requests.filter((r) => r.path === '/api/messages/search').length).toBeGreaterThan(1);
});
