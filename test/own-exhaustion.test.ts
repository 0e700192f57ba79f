// A provider call that fails because this process ran out of something of its own (file descriptors,
// memory, disk, local ports) is otp-canary's failure: `internal_error`, origin `probe`, naming what ran
// out; a failure of the far side keeps the stage's own reason. The calls are real undici requests whose
// connector fails the way net.connect does when the process is out of descriptors.

import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { systemClock } from '../src/core/providers.js';
import { exhaustedOwnResource } from '../src/http/own-exhaustion.js';
import { createHttpTrigger, createHttpVerifier } from '../src/providers/http/provider.js';
import { createTwilioInbox } from '../src/providers/twilio/messages-inbox.js';
import { checkSpec, TEST_NUMBER } from './support/fake-providers.js';
import { stageError } from './support/stage-error.js';

/** Nothing listens there, and nothing is sent: the connector fails first. */
const APP = 'http://127.0.0.1:9';

/** A system error as Node raises it from connect(2). */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, syscall: 'connect' });
}

/** A dispatcher whose every connection attempt fails with `error`. */
function failingConnections(error: Error): Agent {
  return new Agent({ connect: (_options, callback) => callback(error, null) });
}

function trigger(error: Error) {
  return createHttpTrigger({ request: { method: 'POST', url: `${APP}/otp/send`, json: { phone: '{{number}}' } }, timeoutMs: 2_000, dispatcher: failingConnections(error) });
}

/** One run whose trigger fails with `error`; the inbox and verifier are never reached. */
function runWithTriggerFailing(error: Error) {
  const unreached = () => Promise.reject(new Error('not reached'));
  return runCheck(checkSpec(), { trigger: trigger(error), inbox: { type: 'unreached', waitForSms: unreached }, verifier: { type: 'unreached', verify: unreached } }, { leases: new NumberLeases() });
}

const OWN_RESOURCES = [
  ['EMFILE', 'file descriptors'],
  ['ENFILE', 'file descriptors'],
  ['ENOMEM', 'memory'],
  ['ENOBUFS', 'socket buffer memory'],
  ['ENOSPC', 'disk space'],
  ['EADDRNOTAVAIL', 'local ports'],
] as const;

describe('a call that fails because this process ran out of its own resources', () => {
  it.each(OWN_RESOURCES)('on %s, the run is internal_error with origin probe, naming %s', async (code, resource) => {
    const record = await runWithTriggerFailing(systemError(code));
    expect(record).toMatchObject({ outcome: 'failure', reason: 'internal_error', origin: 'probe', stage: 'trigger' });
    expect(record.detail).toMatch(new RegExp(`^otp-canary ran out of ${resource} \\(${code}[:)]`));
  });

  it('names the process limit and the origin called, never the path', async () => {
    const record = await runWithTriggerFailing(systemError('EMFILE'));
    expect(record.detail).toBe(`otp-canary ran out of file descriptors (EMFILE: the process's open-file limit) calling ${APP}`);
  });

  it('is internal_error on the verify, not verify_error', async () => {
    const verifier = createHttpVerifier({ request: { method: 'POST', url: `${APP}/otp/verify`, json: { code: '{{code}}' } }, timeoutMs: 2_000, dispatcher: failingConnections(systemError('EMFILE')) });
    const error = await stageError(verifier.verify({ number: TEST_NUMBER, code: '482913', signal: new AbortController().signal }));
    expect(error.reason).toBe('internal_error');
  });

  it("is internal_error on the inbox, not the receiving provider's inbox_error", async () => {
    const inbox = createTwilioInbox({
      credentials: { accountSid: 'AC00000000000000000000000000000000', authToken: 'token' },
      baseUrl: APP,
      pollIntervalMs: 1_000,
      timeoutMs: 2_000,
      dispatcher: failingConnections(systemError('ENOMEM')),
    });
    const query = { number: TEST_NUMBER, since: systemClock.now(), sinceWallClock: new Date(), signal: new AbortController().signal };
    const error = await stageError(inbox.waitForSms(query));
    expect(error.reason).toBe('internal_error');
    expect(error.message).toContain('ran out of memory (ENOMEM)');
  });
});

describe('a call that fails on the far side', () => {
  it('a connection reset stays trigger_error, origin target', async () => {
    const record = await runWithTriggerFailing(systemError('ECONNRESET'));
    expect(record).toMatchObject({ outcome: 'failure', reason: 'trigger_error', origin: 'target' });
  });
});

describe('finding our own exhaustion in an error', () => {
  it('follows the cause chain, as fetch wraps a connect error', () => {
    expect(exhaustedOwnResource(new TypeError('fetch failed', { cause: systemError('EMFILE') }))).toBe("file descriptors (EMFILE: the process's open-file limit)");
  });

  it("looks into an AggregateError's errors, as a connect that tried several addresses throws", () => {
    expect(exhaustedOwnResource(new AggregateError([systemError('ECONNREFUSED'), systemError('EADDRNOTAVAIL')]))).toBe('local ports (EADDRNOTAVAIL)');
  });

  it('finds nothing in a failure of the far side, or in a chain that loops', () => {
    const looping: Error & { cause?: unknown } = new Error('loop');
    looping.cause = looping;
    expect([exhaustedOwnResource(systemError('ECONNRESET')), exhaustedOwnResource(looping), exhaustedOwnResource('EMFILE')]).toEqual([undefined, undefined, undefined]);
  });
});
