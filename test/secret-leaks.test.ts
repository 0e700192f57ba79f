// Secrets fed through the real paths that print errors and far-side words: none may come out in clear.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeError } from '../src/action/main.js';
import { describeInternalError } from '../src/cli/main.js';
import { runCheck } from '../src/core/journey.js';
import { NumberLeases } from '../src/core/lease.js';
import { maskCode, scrub } from '../src/core/mask.js';
import { StageError } from '../src/core/outcome.js';
import { createHttpTrigger } from '../src/providers/http/provider.js';
import { createLogger } from '../src/probe/logger.js';
import { checkSpec, fakeWorld, TEST_NUMBER } from './support/fake-providers.js';

const API_KEY = 'k3y-Sup3rS3cret';
const CODE = '482913';
/** The test number as people and carriers write it, none of which is an exact form of `+15555550100`. */
const NATIONAL = '(555) 555-0100';

/** An error as a provider's HTTP client could raise it: its cause quotes the request's URL, number and code. */
function providerError(): StageError {
  const wire = new Error(`POST https://api.example.com/v1/send?api_key=${API_KEY}&to=${encodeURIComponent(TEST_NUMBER)} failed: code ${CODE} for ${NATIONAL}`);
  return new StageError('trigger_error', 'the send failed', { cause: new Error('request failed', { cause: wire }) });
}

function expectNoSecret(text: string): void {
  for (const secret of [API_KEY, CODE, TEST_NUMBER, NATIONAL, '5555550100']) expect(text).not.toContain(secret);
}

describe('maskCode', () => {
  it.each([['482913', '••••••'], ['1234567', '•••••••'], ['G7K2', '••••']])('shows only the length of a code shorter than 8: %s', (code, masked) => {
    expect(maskCode(code)).toBe(masked);
  });

  it('keeps the first two characters of a code of 8 or more', () => {
    expect(maskCode('48291377')).toBe('48••••••');
  });
});

describe('scrub', () => {
  it('hides URL credentials and query values, and every long digit run whatever its separators', () => {
    const text = scrub(`https://user:${API_KEY}@api.example.com/send?api_key=${API_KEY}&x=1 to ${NATIONAL}, +1 555-555-0100, code ${CODE}`);

    expectNoSecret(text);
    expect(text).not.toContain('555-555-0100');
    expect(text).toContain('https://••••@api.example.com/send?api_key=••••&x=••••');
  });

  it('keeps what triage needs: statuses, provider codes, ports and IPv4 addresses', () => {
    expect(scrub('POST http://127.0.0.1:40123/send answered 429 (Twilio error 60203) in 1.5 s')).toBe(
      'POST http://127.0.0.1:40123/send answered 429 (Twilio error 60203) in 1.5 s',
    );
  });
});

describe('a run record', () => {
  it('holds no number in a national format nor a URL key from an error a stage raised', async () => {
    const world = fakeWorld();
    const failing = {
      ...world.providers,
      trigger: {
        type: 'flaky',
        send: async () => {
          throw new TypeError(`fetch https://api.example.com/send?api_key=${API_KEY} failed for ${NATIONAL}`);
        },
      },
    };

    const record = await world.clock.run(runCheck(checkSpec(), failing, { clock: world.clock, sleep: world.clock.sleep, leases: new NumberLeases({ sleep: world.clock.sleep }) }));

    expect(record.reason).toBe('internal_error');
    expectNoSecret(JSON.stringify(record));
  });
});

describe('the http provider', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('does not quote a token the app echoes in a URL of its refusal', async () => {
    server = createServer((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `callback https://hooks.example/cb?token=${API_KEY} refused` })),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const trigger = createHttpTrigger({
      request: { method: 'POST', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, json: { phone: '{{number}}' } },
      expect: { status: 200 },
      timeoutMs: 2000,
    });

    const error = await trigger.send({ number: TEST_NUMBER, signal: new AbortController().signal }).catch((e: unknown) => e as StageError);

    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).message).toContain('token=••••');
    expectNoSecret((error as StageError).message);
  });
});

describe("the CLI's report of an internal error", () => {
  it('prints the stack and every cause with URL keys, numbers and codes hidden', () => {
    const text = describeInternalError(providerError());

    expect(text).toContain('caused by: request failed');
    expect(text).toContain('api_key=••••');
    expectNoSecret(text);
  });
});

describe("the Action's report of an internal error", () => {
  afterEach(() => vi.restoreAllMocks());

  it('fails the step, and writes the debug stack, with URL keys, numbers and codes hidden', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    const error = new Error(`POST https://api.example.com/send?api_key=${API_KEY} failed for ${NATIONAL}`);

    const message = describeError(error);

    expect(written.join('')).toContain('::debug::');
    expectNoSecret(message);
    expectNoSecret(written.join(''));
  });
});

describe("the probe's log of an error", () => {
  it('writes its message, stack and causes with URL keys, numbers and codes hidden', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });

    logger.error({ event: 'tick_failed', err: providerError() }, 'scheduled work failed');

    expect(lines[0]).toContain('api_key=••••');
    expectNoSecret(lines[0]!);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'tick_failed', err: { type: 'StageError' } });
  });
});
