// A whole run of one check against a provider's loopback fake: the config is parsed and wired as every
// face does it, the embedded sandbox sends and checks a real code, and its carrier pushes the SMS
// (Twilio-format) to the fake's `/test/inbound`, where the inbox under test reads it.

import { parseConfig } from '../../src/config/load.js';
import { runCheck } from '../../src/core/journey.js';
import { NumberLeases } from '../../src/core/lease.js';
import type { RunRecord } from '../../src/core/types.js';
import { prepareChecks } from '../../src/wiring/prepare-checks.js';
import type { SendRecord } from '../../src/sandbox/ground-truth.js';

export interface SandboxJourney {
  readonly name: string;
  readonly number: string;
  /** The check's inbox, as a YAML flow mapping; `${FAKE}` in it is `fakeUrl`. */
  readonly inbox: string;
  readonly fakeUrl: string;
  /** Further variables the inbox refers to (its API key). */
  readonly env: Readonly<Record<string, string>>;
}

/** The run's record and the sends the sandbox's ground truth holds; the environment is closed after. */
export async function runSandboxJourney(journey: SandboxJourney): Promise<{ record: RunRecord; sends: readonly SendRecord[] }> {
  const config = parseConfig(
    `
sandbox:
  seed: 11
  carrier: { delay: { median: 40ms, p95: 120ms } }
  webhook: { url: "\${FAKE}/test/inbound", authToken: sandbox-push-token }
checks:
  - name: ${journey.name}
    number: "${journey.number}"
    trigger: { type: sandbox }
    inbox: ${journey.inbox}
    verify: { type: sandbox }
`,
    { env: { ...journey.env, FAKE: journey.fakeUrl } },
  );
  const environment = await prepareChecks(config);
  try {
    const [check] = environment.checks;
    // A fresh sandbox each time: the number's memory (codes, resend window) starts fresh with it.
    const record = await runCheck(check!.spec, check!.providers, { leases: new NumberLeases() });
    return { record, sends: environment.sandbox!.groundTruth().sends };
  } finally {
    await environment.close();
  }
}
